import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { buildConnector, findDrift, generateConnector, NoOperationsError, runBuildConnector } from '../../connector/tools/build-connector';
import { HOST_PLACEHOLDER, postProcessDefinition } from '../../connector/tools/connector-definition';
import { formatFinding } from '../../connector/tools/report';

const ROOT = join(__dirname, '..', '..');
const ANNOTATED = ['test/connector/fixtures/annotated-api/*.ts'];

function definitionOf(text: string): Record<string, unknown> & { paths: Record<string, unknown> } {
  return JSON.parse(text) as Record<string, unknown> & { paths: Record<string, unknown> };
}

describe('post-processing of swagger-jsdoc output', () => {
  const generated = generateConnector({ root: ROOT, apiSources: ANNOTATED });
  const text = generated['apiDefinition.swagger.json'];
  const definition = definitionOf(text);

  it('makes a Swagger 2.0 connector definition with the placeholder host, https and basePath /', () => {
    expect(definition['swagger']).toBe('2.0');
    expect(definition['host']).toBe(HOST_PLACEHOLDER);
    expect(definition['schemes']).toEqual(['https']);
    expect(definition['basePath']).toBe('/');
    expect((definition['info'] as { title: string }).title).toBe('Dataverse Ensure');
  });

  it('adds X-API-Key security, connector metadata and testConnection on a GET without required parameters', () => {
    expect(definition['securityDefinitions']).toEqual({ api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } });
    expect(definition['security']).toEqual([{ api_key: [] }]);
    expect((definition['x-ms-connector-metadata'] as { propertyName: string }[]).map((m) => m.propertyName)).toEqual(['Website', 'Privacy policy', 'Categories']);
    expect(definition['x-ms-capabilities']).toEqual({ testConnection: { operationId: 'ListStubs', parameters: {} } });
  });

  it('keeps the annotated operations, sorts paths and drops empty sections', () => {
    expect(Object.keys(definition.paths)).toEqual(['/v1/stubs', '/v1/stubs/{stubId}']);
    expect(Object.keys(definition['definitions'] as object)).toEqual(['Stub', 'StubList']);
    expect(definition).not.toHaveProperty('tags');
    expect(definition).not.toHaveProperty('parameters');
    expect(Object.keys(definition).slice(0, 8)).toEqual(['swagger', 'info', 'host', 'basePath', 'schemes', 'consumes', 'produces', 'paths']);
  });

  it('is deterministic and ends with a newline', () => {
    const again = generateConnector({ root: ROOT, apiSources: ANNOTATED });
    expect(again['apiDefinition.swagger.json']).toBe(text);
    expect(again['icon.png'].equals(generated['icon.png'])).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('overrides host, schemes and basePath the annotations set, and honours a named testConnection', () => {
    const processed = postProcessDefinition(
      { swagger: '2.0', host: 'localhost:3000', schemes: ['http'], basePath: '/v1', paths: { '/a': { get: { operationId: 'A', parameters: [{ name: 'q', in: 'query', required: true, type: 'string' }], responses: {} } } } },
      { testConnectionOperationId: 'A' },
    );
    expect(processed).toMatchObject({ host: HOST_PLACEHOLDER, schemes: ['https'], basePath: '/', 'x-ms-capabilities': { testConnection: { operationId: 'A' } } });
    expect(() => postProcessDefinition({ swagger: '2.0', paths: {} }, { testConnectionOperationId: 'Missing' })).toThrow(/Missing/);
  });
});

describe('build:connector', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'connector-build-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('writes the four files, which the validator accepts with 0 errors and 0 warnings', async () => {
    const findings = await buildConnector({ root: ROOT, apiSources: ANNOTATED, outputFolder: folder });
    expect(findings.map(formatFinding)).toEqual([]);
    for (const file of ['apiDefinition.swagger.json', 'apiProperties.json', 'settings.json', 'icon.png']) expect(existsSync(join(folder, file))).toBe(true);
    expect(readFileSync(join(folder, 'apiProperties.json'), 'utf8').endsWith('\n')).toBe(true);
  });

  it('refuses to write an empty connector when no route is annotated', async () => {
    expect(() => generateConnector({ root: ROOT, apiSources: ['test/connector/fixtures/certified/**/*.ts'] })).toThrow(NoOperationsError);
    expect(() => generateConnector({ root: ROOT, apiSources: ['test/connector/fixtures/certified/**/*.ts'] })).toThrow(
      'no operations found in test/connector/fixtures/certified — annotate routes with @swagger/@openapi',
    );
    await expect(buildConnector({ root: ROOT, apiSources: ['test/connector/fixtures/certified/**/*.ts'], outputFolder: folder })).rejects.toThrow(NoOperationsError);
    expect(existsSync(join(folder, 'apiDefinition.swagger.json'))).toBe(false);
  });

  it('finds drift between a built folder and the annotations, and --check exits 1 on it', async () => {
    await buildConnector({ root: ROOT, apiSources: ANNOTATED, outputFolder: folder });
    expect(findDrift(folder, { root: ROOT, apiSources: ANNOTATED })).toEqual([]);
    const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runBuildConnector(['--check', '--out', folder, '--sources', ANNOTATED[0]!])).toBe(0);
      const definitionFile = join(folder, 'apiDefinition.swagger.json');
      writeFileSync(definitionFile, readFileSync(definitionFile, 'utf8').replace('"List stubs"', '"List all stubs"'));
      rmSync(join(folder, 'icon.png'));
      expect(findDrift(folder, { root: ROOT, apiSources: ANNOTATED })).toEqual(['apiDefinition.swagger.json', 'icon.png']);
      expect(await runBuildConnector(['--check', '--out', folder, '--sources', ANNOTATED[0]!])).toBe(1);
      expect(errors.mock.calls.flat().join('\n')).toContain('apiDefinition.swagger.json, icon.png');
      expect(existsSync(join(folder, 'icon.png'))).toBe(false);
    } finally {
      logs.mockRestore();
      errors.mockRestore();
    }
  });

  it('refuses OpenAPI 3 annotations, which a Swagger 2.0 connector cannot carry', () => {
    expect(() => generateConnector({ root: ROOT, apiSources: ['test/connector/fixtures/openapi3-api/*.ts'] })).toThrow(
      /must be Swagger 2\.0 .*found requestBody in POST \/v1\/records/,
    );
  });

  it('the CLI exits 1 with the clear message and writes nothing when no route is annotated', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runBuildConnector(['--out', folder, '--sources', 'api/src/no-such-folder/**/*.ts'])).toBe(1);
      expect(errors.mock.calls.flat().join('\n')).toContain('no operations found in api/src/no-such-folder — annotate routes with @swagger/@openapi');
      expect(existsSync(join(folder, 'apiDefinition.swagger.json'))).toBe(false);
    } finally {
      errors.mockRestore();
    }
  });

  it('the CLI writes and validates the connector of annotated sources, exiting 0', async () => {
    const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runBuildConnector(['--out', folder, '--sources', ANNOTATED[0]!])).toBe(0);
      expect(logs.mock.calls.flat().join('\n')).toContain('0 error(s), 0 warning(s)');
      expect(existsSync(join(folder, 'icon.png'))).toBe(true);
    } finally {
      logs.mockRestore();
    }
  });
});

describe('paging the way Power Automate pages (the connector built from api/src)', () => {
  const generated = generateConnector({ root: ROOT });
  const definition = definitionOf(generated['apiDefinition.swagger.json']) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const properties = JSON.parse(generated['apiProperties.json']) as { properties: { policyTemplateInstances: Array<Record<string, any>> } }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const operations = Object.values(definition.paths as Record<string, Record<string, any>>).flatMap((item) => Object.values(item)); // eslint-disable-line @typescript-eslint/no-explicit-any
  const pageSchema = (operation: Record<string, any>) => definition['definitions'][String(operation.responses['200'].schema.$ref).split('/').pop()!]; // eslint-disable-line @typescript-eslint/no-explicit-any
  // A paged list is one whose page carries a skip token; List stubs and List operations today.
  const paged = operations.filter((operation) => operation.responses?.['200']?.schema?.$ref && pageSchema(operation).properties?.nextSkipToken);

  it('marks every paged list x-ms-pageable with nextLink, which its page declares beside value', () => {
    expect(paged.map((operation) => operation.operationId).sort()).toEqual(['ListOperations', 'ListStubs']);
    for (const operation of paged) {
      expect(operation['x-ms-pageable']).toEqual({ nextLinkName: 'nextLink' });
      expect(pageSchema(operation).properties.nextLink).toMatchObject({ type: 'string', format: 'uri' });
      expect(pageSchema(operation).properties.value.type).toBe('array');
    }
  });

  it('routes the next link of exactly those operations through the connector with updatenextlink', () => {
    const policies = properties.properties.policyTemplateInstances.filter((policy) => policy['templateId'] === 'updatenextlink');
    expect(policies).toHaveLength(1);
    expect(policies[0]!['parameters']['x-ms-apimTemplateParameter.nextLinkPropertyName']).toBe('nextLink');
    expect([...policies[0]!['parameters']['x-ms-apimTemplate-operationName']].sort()).toEqual(paged.map((operation) => operation.operationId).sort());
  });
});
