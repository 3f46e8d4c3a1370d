/**
 * The annotations on the routes are the single source of /swagger.json and of the custom connector:
 * the document is valid Swagger 2.0, every operation carries what the connector rules require, and the
 * connector generated from it passes the offline validator with no error and no warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildConnector } from '../../../connector/tools/build-connector';
import { openApiDocument } from '../../../api/src/http';
import { TestApp } from './httpTestApp';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EXPECTED_OPERATIONS: Array<[string, string, string, string]> = [
  ['post', '/v1/instances/{instance}/ensure', 'EnsureRecord', 'important'],
  ['post', '/v1/instances/{instance}/submit', 'SubmitRecord', 'important'],
  ['post', '/v1/instances/{instance}/hydrate', 'HydrateRecord', 'important'],
  ['get', '/v1/instances/{instance}/stubs', 'ListStubs', 'important'],
  ['get', '/v1/instances/{instance}/stubs/summary', 'GetStubSummary', 'important'],
  ['get', '/v1/instances/{instance}/stubs/{table}/{id}', 'GetStub', 'important'],
  ['post', '/v1/instances/{instance}/subscriptions', 'OnStubStateChanged', 'important'],
  ['delete', '/v1/subscriptions/{id}', 'DeleteStubSubscription', 'internal'],
  ['get', '/v1/subscriptions', 'ListStubSubscriptions', 'internal'],
  ['get', '/v1/subscriptions/{id}', 'GetStubSubscription', 'internal'],
  ['get', '/v1/operations/{id}', 'GetOperation', 'internal'],
  ['get', '/v1/operations', 'ListOperations', 'advanced'],
  ['post', '/v1/operations/{id}/retry', 'RetryOperation', 'advanced'],
  ['post', '/v1/operations/{id}/cancel', 'CancelOperation', 'advanced'],
  ['get', '/v1/instances', 'ListInstances', 'internal'],
  ['get', '/v1/instances/{instance}/tables', 'ListTables', 'internal'],
  ['get', '/v1/instances/{instance}/tables/{table}/schema', 'GetTableSchema', 'internal'],
];

/** The actions that may run later: 202 + Location + Retry-After, and an Idempotency-Key header. */
const QUEUED_ACTIONS = ['EnsureRecord', 'SubmitRecord', 'HydrateRecord'];

/**
 * Success statuses other than a lone 200, and which of them carries the output schema (the designer
 * uses one). The actions and GetOperation answer 202 while the work is pending (the platform polls the
 * Location; the 200 is the output); RetryOperation acknowledges with 202 and its output is the retried
 * operation's final answer (the 200 its Location ends in); the trigger subscribes with 201; its
 * delete answers 204 with no body.
 */
const SUCCESSES: Record<string, { statuses: string[]; schemaOn: string | undefined }> = {
  EnsureRecord: { statuses: ['200', '202'], schemaOn: '200' },
  SubmitRecord: { statuses: ['200', '202'], schemaOn: '200' },
  HydrateRecord: { statuses: ['200', '202'], schemaOn: '200' },
  GetOperation: { statuses: ['200', '202'], schemaOn: '200' },
  RetryOperation: { statuses: ['200', '202'], schemaOn: '200' },
  OnStubStateChanged: { statuses: ['201'], schemaOn: '201' },
  DeleteStubSubscription: { statuses: ['204'], schemaOn: undefined },
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function operations(document: Json): Array<{ method: string; path: string; operation: Json }> {
  return Object.entries(document['paths'] as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ method, path, operation: operation as Json })),
  );
}

function operationById(document: Json, operationId: string): Json {
  const found = operations(document).find((entry) => entry.operation['operationId'] === operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  return found.operation;
}

/** Every property of every schema under `schema`, with its JSON path. */
function propertiesOf(schema: unknown, path: string, found: Array<[string, Json]> = []): Array<[string, Json]> {
  if (schema === null || typeof schema !== 'object') return found;
  const node = schema as Json;
  for (const [name, property] of Object.entries((node['properties'] ?? {}) as Json)) {
    found.push([`${path}.properties.${name}`, property as Json]);
    propertiesOf(property, `${path}.properties.${name}`, found);
  }
  if (node['items']) propertiesOf(node['items'], `${path}.items`, found);
  if (node['additionalProperties'] && typeof node['additionalProperties'] === 'object') propertiesOf(node['additionalProperties'], `${path}.additionalProperties`, found);
  return found;
}

describe('the OpenAPI (Swagger 2.0) document', () => {
  const document = openApiDocument() as Json;

  it('is valid Swagger 2.0 (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document['swagger']).toBe('2.0');
    expect(document['securityDefinitions']).toEqual({ api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } });
  });

  it('has exactly the API operations, with their ids and visibility', () => {
    const found = operations(document).map(({ method, path, operation }) => [method, path, operation['operationId'], operation['x-ms-visibility']]);
    expect(found.sort()).toEqual([...EXPECTED_OPERATIONS].sort());
  });

  it.each(EXPECTED_OPERATIONS)('%s %s (%s) has the connector-required fields', (method, path) => {
    const operation = (document['paths'] as Json)[path]?.[method] as Json | undefined;
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in /swagger.json`);
    expect(operation['operationId']).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    expect(operation['summary'].length).toBeLessThanOrEqual(80);
    expect(operation['summary']).toMatch(/^[A-Za-z0-9 ()]*[A-Za-z0-9)]$/);
    expect(operation['description']).toMatch(/[.!?]$/);
    expect(operation['description'].toLowerCase()).not.toBe(operation['summary'].toLowerCase());
    for (const parameter of operation['parameters'] ?? []) {
      expect([parameter.name, typeof parameter['x-ms-summary'], typeof parameter.description]).toEqual([parameter.name, 'string', 'string']);
      if (parameter.in === 'path') expect(parameter.required).toBe(true);
      for (const [where, property] of propertiesOf(parameter.schema, `${path}.${parameter.name}`)) {
        expect([where, typeof property['x-ms-summary'], typeof property['description']]).toEqual([where, 'string', 'string']);
      }
    }
    const successes = Object.keys(operation['responses'] as Json).filter((code) => /^2\d\d$/.test(code));
    const expected = SUCCESSES[operation['operationId']] ?? { statuses: ['200'], schemaOn: '200' };
    expect(successes.sort()).toEqual(expected.statuses);
    expect(successes.filter((code) => operation['responses'][code].schema !== undefined)).toEqual(expected.schemaOn ? [expected.schemaOn] : []);
    expect(operation['responses']['default']).toBeUndefined();
  });

  it('declares 202 with Location and Retry-After on the actions, Get operation status and Retry a failed operation', () => {
    const with202 = operations(document).filter(({ operation }) => '202' in (operation['responses'] as Json));
    expect(with202.map(({ operation }) => operation['operationId']).sort()).toEqual([...QUEUED_ACTIONS, 'GetOperation', 'RetryOperation'].sort());
    for (const { operation } of with202) {
      const accepted = operation['responses']['202'] as Json;
      expect([operation['operationId'], Object.keys(accepted['headers'] as Json).sort()]).toEqual([operation['operationId'], ['Location', 'Retry-After']]);
      expect(accepted['headers']['Location']).toMatchObject({ type: 'string', description: expect.any(String) });
      expect(accepted['headers']['Retry-After']).toMatchObject({ type: 'integer', description: expect.any(String) });
    }
    // Retry's output is what its Location ends in: the retried action's result (any of the three).
    const retried = document['definitions']['RetriedResult'] as Json;
    expect(operationById(document, 'RetryOperation')['responses']['200'].schema).toEqual({ $ref: '#/definitions/RetriedResult' });
    for (const result of ['EnsureResult', 'SubmitResult', 'HydrateResult']) {
      const own = Object.keys(document['definitions'][result]['properties'] as Json).filter((name) => name !== 'replayed');
      expect([result, own.filter((name) => !(name in (retried['properties'] as Json)))]).toEqual([result, []]);
    }
    // The status of an operation answers what its action would have: the result, or the action's error.
    // 409: cancelled before it ran (OperationCancelled).
    expect(Object.keys(operationById(document, 'GetOperation')['responses']).sort()).toEqual(['200', '202', '400', '401', '404', '409', '422']);
    expect(Object.keys(operationById(document, 'RetryOperation')['responses']).sort()).toEqual(['200', '202', '400', '401', '404', '409', '422']);
    expect(Object.keys(operationById(document, 'ListOperations')['responses']).sort()).toEqual(['200', '400', '401']);
  });

  it('takes an optional Idempotency-Key header, shown as advanced, on the three actions only', () => {
    for (const { operation } of operations(document)) {
      const header = ((operation['parameters'] ?? []) as Json[]).find((parameter) => parameter['name'] === 'Idempotency-Key');
      if (!QUEUED_ACTIONS.includes(operation['operationId'])) {
        expect([operation['operationId'], header]).toEqual([operation['operationId'], undefined]);
        continue;
      }
      expect(header).toEqual({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        type: 'string',
        description: expect.stringMatching(/\.$/),
        'x-ms-summary': 'Idempotency Key',
        'x-ms-visibility': 'advanced',
      });
    }
  });

  it('every property of every definition has x-ms-summary and a description', () => {
    for (const [name, definition] of Object.entries(document['definitions'] as Json)) {
      for (const [where, property] of propertiesOf(definition, `definitions.${name}`)) {
        // A $ref takes no siblings in Swagger 2.0: the definition it names carries the summary.
        const described = typeof property['$ref'] === 'string' ? (document['definitions'] as Json)[property['$ref'].replace('#/definitions/', '')] : property;
        expect([where, typeof described['x-ms-summary'], typeof described['description']]).toEqual([where, 'string', 'string']);
      }
    }
  });

  it('lets flow authors pick the instance and table and fill in key and record columns', () => {
    for (const { operation } of operations(document)) {
      const instance = (operation['parameters'] ?? []).find((parameter: Json) => parameter.name === 'instance');
      if (!instance || operation['operationId'] === 'GetTableSchema') continue;
      expect(instance['x-ms-dynamic-values']).toMatchObject({ operationId: 'ListInstances', 'value-collection': 'value', 'value-path': 'name' });
    }
    for (const id of ['EnsureRecord', 'SubmitRecord', 'HydrateRecord']) {
      const { operation } = operations(document).find((entry) => entry.operation['operationId'] === id)!;
      const body = (operation['parameters'] as Json[]).find((parameter) => parameter.in === 'body')!;
      const properties = body.schema.properties as Json;
      expect(properties['table']['x-ms-dynamic-values']).toMatchObject({ operationId: 'ListTables', parameters: { instance: { parameter: 'instance' } } });
      expect(properties['key']['x-ms-dynamic-schema']).toMatchObject({ operationId: 'GetTableSchema', parameters: { part: 'key' }, 'value-path': 'schema' });
      expect(properties['key']['x-ms-dynamic-properties']).toMatchObject({ parameters: { table: { parameterReference: 'body/table' } }, itemValuePath: 'schema' });
      if (id !== 'EnsureRecord') expect(properties['record']['x-ms-dynamic-schema']).toMatchObject({ operationId: 'GetTableSchema', parameters: { part: 'record' } });
    }
  });

  it('is what /swagger.json serves', async () => {
    const app = await new TestApp().start();
    try {
      const served = await app.request('GET', '/swagger.json', { key: null });
      expect(served.body).toEqual(document);
    } finally {
      await app.stop();
    }
  });
});

describe('the connector generated from these annotations', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'dve-connector-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('passes the offline connector validator with 0 errors and 0 warnings', async () => {
    const findings = await buildConnector({ outputFolder: folder });
    expect(findings.map((finding) => JSON.stringify(finding))).toEqual([]);
  }, 60_000);
});
