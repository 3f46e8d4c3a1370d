/**
 * No drift between the API and its connector: both security variants are regenerated in memory from
 * the swagger-jsdoc annotations of api/src (exactly what `npm run build:connector` writes) and every
 * generated file must equal, byte for byte, the one committed in connector/ (API key) and
 * connector/entra-id/ (Entra ID).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultOutput, generateConnector, REPOSITORY_ROOT } from '../../connector/tools/build-connector';
import { SECURITY_VARIANTS } from '../../connector/tools/security-variants';

const FIX = 'the committed connector differs from what the API annotations generate: run `npm run build:connector` and commit connector/';

describe.each(SECURITY_VARIANTS)('the %s connector matches the API annotations', (security) => {
  const folder = defaultOutput(security);
  const shown = relative(REPOSITORY_ROOT, folder);
  const generated = Object.entries(generateConnector({ security }));

  it(`generates the four connector files for ${shown}`, () => {
    expect(generated.map(([name]) => name).sort()).toEqual(['apiDefinition.swagger.json', 'apiProperties.json', 'icon.png', 'settings.json']);
  });

  it.each(generated)('%s is committed and up to date', (name, content) => {
    const file = join(folder, name);
    if (!existsSync(file)) throw new Error(`${shown}/${name} is missing; ${FIX}`);
    const committed = readFileSync(file);
    const expected = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    if (committed.equals(expected)) return;
    if (Buffer.isBuffer(content)) throw new Error(`${shown}/${name} differs (${committed.length} bytes committed, ${expected.length} generated); ${FIX}`);
    const committedLines = committed.toString('utf8').split('\n');
    const expectedLines = expected.toString('utf8').split('\n');
    const differing = expectedLines.findIndex((text, index) => committedLines[index] !== text);
    const line = differing >= 0 ? differing : expectedLines.length;
    throw new Error(
      `${shown}/${name} differs from line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  generated: ${expectedLines[line] ?? '(end of file)'}\n${FIX}`,
    );
  });
});
