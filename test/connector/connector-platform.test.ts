/**
 * The platform simulation of the live test catches what it claims to catch: against a small server
 * that answers what each test tells it, an undeclared status, a body its schema refuses, an undeclared
 * property and an input the definition does not allow all fail; the request carries the dynamichosturl
 * base URL, the key header and the parameters where the definition puts them; the dynamic extensions
 * are resolved from the operation's own inputs.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { atPath, ConnectorMismatch, ConnectorPlatform, undeclaredProperties, type ConnectorFiles, type Json } from './connector-platform';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const ITEM = { type: 'object', required: ['name'], properties: { name: { type: 'string', 'x-ms-summary': 'Name' }, size: { type: 'integer' } } };
const ERROR = { type: 'object', properties: { error: { type: 'object' } } };

function connector(): ConnectorFiles {
  const definition: Json = {
    swagger: '2.0',
    host: 'placeholder.invalid',
    basePath: '/',
    schemes: ['https'],
    securityDefinitions: { api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    security: [{ api_key: [] }],
    paths: {
      '/v1/things': {
        get: { operationId: 'ListThings', responses: { 200: { description: 'ok', schema: { type: 'object', properties: { value: { type: 'array', items: ITEM } } } }, 401: { description: 'no', schema: ERROR } } },
      },
      '/v1/things/{name}/schema': {
        get: {
          operationId: 'GetSchema',
          parameters: [{ name: 'name', in: 'path', required: true, type: 'string' }, { name: 'part', in: 'query', type: 'string', enum: ['a', 'b'] }],
          responses: { 200: { description: 'ok', schema: { type: 'object', properties: { schema: { type: 'object' } } } } },
        },
      },
      '/v1/groups/{group}/things': {
        post: {
          operationId: 'PostThing',
          parameters: [
            { name: 'group', in: 'path', required: true, type: 'string', 'x-ms-dynamic-values': { operationId: 'ListThings', 'value-collection': 'value', 'value-path': 'name', 'value-title': 'name' } },
            { name: 'top', in: 'query', type: 'integer', minimum: 1 },
            {
              name: 'body',
              in: 'body',
              required: true,
              schema: {
                type: 'object',
                properties: {
                  kind: { type: 'string' },
                  data: {
                    type: 'object',
                    'x-ms-dynamic-schema': { operationId: 'GetSchema', parameters: { name: { parameter: 'kind' }, part: 'b' }, 'value-path': 'schema' },
                    'x-ms-dynamic-properties': { operationId: 'GetSchema', parameters: { name: { parameterReference: 'body/kind' }, part: { value: 'b' } }, itemValuePath: 'schema' },
                  },
                },
              },
            },
          ],
          responses: { 200: { description: 'ok', schema: ITEM } },
        },
      },
    },
  };
  const apiProperties: Json = {
    properties: {
      connectionParameters: { hostUrl: { type: 'string' }, api_key: { type: 'securestring' } },
      policyTemplateInstances: [{ templateId: 'dynamichosturl', parameters: { 'x-ms-apimTemplateParameter.urlTemplate': "@connectionParameters('hostUrl')" } }],
    },
  };
  return { raw: definition, definition, apiProperties };
}

describe('ConnectorPlatform (the live test’s platform simulation)', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        const next = typeof answer.body === 'function' ? (answer.body as (url: string) => unknown)(request.url ?? '') : answer.body;
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(next));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  const platform = () => new ConnectorPlatform(connector(), { hostUrl: base, api_key: 'secret-key' });

  it('sends the request to the dynamichosturl base URL with the key header, path, query and JSON body', async () => {
    answer = { status: 200, body: { name: 'x' } };
    await platform().invoke('PostThing', { group: 'g 1', top: 5, body: { kind: 'k' } });
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', url: '/v1/groups/g%201/things?top=5', body: '{"kind":"k"}' })]);
    expect(seen[0]!.headers).toMatchObject({ 'x-api-key': 'secret-key', 'content-type': 'application/json' });
  });

  it('sends no key when asked for the 401 path', async () => {
    answer = { status: 401, body: { error: {} } };
    await platform().invoke('ListThings', {}, { authenticated: false });
    expect(seen[0]!.headers).not.toHaveProperty('x-api-key');
  });

  it('fails on an undeclared status, a body the schema refuses, and an undeclared property', async () => {
    answer = { status: 404, body: { error: {} } };
    await expect(platform().invoke('ListThings', {})).rejects.toThrow(/ListThings answered 404, a status its definition does not declare/);
    answer = { status: 200, body: { value: [{ size: 1 }] } };
    await expect(platform().invoke('ListThings', {})).rejects.toThrow(/does not match the declared schema.*must have required property 'name'/);
    answer = { status: 200, body: { value: [{ name: 'a', colour: 'red' }] } };
    await expect(platform().invoke('ListThings', {})).rejects.toThrow(/properties the declared schema does not describe.*body\.value\[0\]\.colour/);
  });

  it('refuses inputs the definition does not allow, unless told to send them', async () => {
    answer = { status: 200, body: { name: 'x' } };
    await expect(platform().invoke('PostThing', { group: 'g', top: 0, body: {} })).rejects.toThrow(ConnectorMismatch);
    await expect(platform().invoke('PostThing', { body: {} })).rejects.toThrow(/required parameter group/);
    await expect(platform().invoke('PostThing', { group: 'g', body: {}, extra: 1 })).rejects.toThrow(/has no parameter extra/);
    await platform().invoke('PostThing', { group: 'g', top: 0, body: {} }, { checkInputs: false });
    expect(seen.at(-1)!.url).toBe('/v1/groups/g/things?top=0');
  });

  it('resolves dynamic values and a dynamic schema from the inputs, both extension forms agreeing', async () => {
    answer = { status: 200, body: (url: string) => (url.startsWith('/v1/things/') ? { schema: { type: 'object', properties: { colour: { type: 'string' } } } } : { value: [{ name: 'one' }, { name: 'two' }] }) };
    const p = platform();
    expect(await p.dynamicValues('PostThing', ['group'], {})).toEqual([{ value: 'one', title: 'one' }, { value: 'two', title: 'two' }]);
    expect(await p.dynamicSchema('PostThing', ['body', 'data'], { group: 'g', body: { kind: 'wide/tall' } })).toEqual({ type: 'object', properties: { colour: { type: 'string' } } });
    expect(seen.at(-1)!.url).toBe('/v1/things/wide%2Ftall/schema?part=b');
  });

  it('notices when x-ms-dynamic-properties and x-ms-dynamic-schema call with different arguments', async () => {
    const files = connector();
    const data = atPath(files.definition, 'paths') as Json;
    const post = (data['/v1/groups/{group}/things'] as Json)['post'] as Json;
    const body = ((post['parameters'] as Json[])[2]!['schema'] as Json)['properties'] as Json;
    ((body['data'] as Json)['x-ms-dynamic-properties'] as Json)['parameters'] = { name: { parameterReference: 'body/kind' }, part: { value: 'a' } };
    await expect(new ConnectorPlatform(files, { hostUrl: base, api_key: 'k' }).dynamicSchema('PostThing', ['body', 'data'], { group: 'g', body: { kind: 'k' } })).rejects.toThrow(/disagree/);
  });

  it('lists undeclared properties only where the schema lists its own', () => {
    expect(undeclaredProperties({ type: 'object' }, { any: 1 }, 'body')).toEqual([]);
    expect(undeclaredProperties({ type: 'object', properties: { a: { type: 'object', properties: { b: {} } } } }, { a: { b: 1, c: 2 }, d: 3 }, 'body')).toEqual(['body.a.c', 'body.d']);
    expect(undeclaredProperties({ type: 'object', properties: {}, additionalProperties: { type: 'object', properties: { x: {} } } }, { k: { x: 1, y: 2 } }, 'body')).toEqual(['body.k.y']);
  });
});
