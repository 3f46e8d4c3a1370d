import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidateConnector } from '../../connector/tools/validate-connector';
import { COMPLIANT_FOLDER, loadEditable } from './connector-fixtures';

describe('npm run connector:validate', () => {
  let output: string[];
  let folder: string;
  beforeEach(() => {
    output = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void output.push(line));
    jest.spyOn(console, 'error').mockImplementation((line: string) => void output.push(line));
    folder = mkdtempSync(join(tmpdir(), 'connector-validate-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(folder, { recursive: true, force: true });
  });

  it('exits 0 on a compliant folder and prints the counts', async () => {
    expect(await runValidateConnector([COMPLIANT_FOLDER])).toBe(0);
    expect(output.join('\n')).toContain('0 error(s), 0 warning(s)');
  });

  it('exits 1 on an error and names the path, the rule and its source', async () => {
    const connector = loadEditable();
    connector.definition.paths['/v1/stubs/{stubId}'].get.summary = `Get stub ${'x'.repeat(80)}`;
    writeFileSync(join(folder, 'apiDefinition.swagger.json'), JSON.stringify(connector.definition));
    for (const file of ['apiProperties.json', 'settings.json', 'icon.png']) copyFileSync(join(COMPLIANT_FOLDER, file), join(folder, file));
    expect(await runValidateConnector([folder])).toBe(1);
    expect(output.join('\n')).toContain('ERROR   R20 S1 OperationSummaryTooLong  apiDefinition.swagger.json paths./v1/stubs/{stubId}.get.summary: summary is 89 characters');
  });

  it('exits 0 with warnings only', async () => {
    const connector = loadEditable();
    delete connector.definition.paths['/v1/stubs/{stubId}'].get.description;
    writeFileSync(join(folder, 'apiDefinition.swagger.json'), JSON.stringify(connector.definition));
    copyFileSync(join(COMPLIANT_FOLDER, 'apiProperties.json'), join(folder, 'apiProperties.json'));
    expect(await runValidateConnector([folder])).toBe(0);
    expect(output.join('\n')).toMatch(/WARNING R24 S2 {2}apiDefinition\.swagger\.json paths\.\/v1\/stubs\/\{stubId\}\.get\.description/);
    expect(output.join('\n')).toContain('0 error(s), 2 warning(s)');
  });

  it('missing connector metadata (R13) warns, as certified connectors show, so the exit code is 0', async () => {
    const connector = loadEditable();
    connector.definition['x-ms-connector-metadata'] = [];
    writeFileSync(join(folder, 'apiDefinition.swagger.json'), JSON.stringify(connector.definition));
    for (const file of ['apiProperties.json', 'settings.json', 'icon.png']) copyFileSync(join(COMPLIANT_FOLDER, file), join(folder, file));
    expect(await runValidateConnector([folder])).toBe(0);
    expect(output.join('\n')).toContain('WARNING R13 S1 ConnectorMetadataPropertiesMissing  apiDefinition.swagger.json x-ms-connector-metadata');
  });

  it('exits 2 on an unknown option (the former --legacy included)', async () => {
    expect(await runValidateConnector(['--legacy', COMPLIANT_FOLDER])).toBe(2);
  });

  it('exits 2 when the folder does not exist', async () => {
    expect(await runValidateConnector([join(folder, 'missing')])).toBe(2);
  });
});
