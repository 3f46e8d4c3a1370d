/**
 * The parameters and responses the route annotations share are written once
 * (api/src/http/routes/sharedDefinitions.ts) and inlined where they are used in /swagger.json and the
 * connector; schema references stay references, a reference to nothing stops the build, and every
 * shared entry is used by some route.
 */
import { join } from 'node:path';
import swaggerJsdoc from 'swagger-jsdoc';
import { inlineSharedDefinitions } from '../../../api/src/http/openApiSharedDefinitions';
import { openApiDocument } from '../../../api/src/http';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ERROR = { description: 'Key missing.', schema: { $ref: '#/definitions/ErrorResponse' } };
const INSTANCE = { name: 'instance', in: 'path', required: true, type: 'string', description: 'The instance.', 'x-ms-summary': 'Instance' };

function documentWith(paths: Json): Json {
  return {
    swagger: '2.0',
    paths,
    definitions: { ErrorResponse: { type: 'object' } },
    responses: { Unauthorized: ERROR, Unused: { description: 'Nobody refers to it.' } },
    parameters: { Instance: INSTANCE },
    tags: [],
  };
}

describe('inlineSharedDefinitions', () => {
  it('puts a copy of each shared parameter and response where it is referenced, in place, and empties the shared sections', () => {
    const source = documentWith({
      '/v1/{instance}/a': {
        parameters: [{ $ref: '#/parameters/Instance' }],
        get: {
          parameters: [{ name: 'top', in: 'query', type: 'integer' }, { $ref: '#/parameters/Instance' }],
          responses: { 200: { description: 'OK.', schema: { $ref: '#/definitions/ErrorResponse' } }, 401: { $ref: '#/responses/Unauthorized' } },
        },
      },
    });
    const before = structuredClone(source);
    const inlined = inlineSharedDefinitions(source);
    expect(inlined).toEqual({
      swagger: '2.0',
      paths: {
        '/v1/{instance}/a': {
          parameters: [INSTANCE],
          get: {
            parameters: [{ name: 'top', in: 'query', type: 'integer' }, INSTANCE],
            responses: { 200: { description: 'OK.', schema: { $ref: '#/definitions/ErrorResponse' } }, 401: ERROR },
          },
        },
      },
      definitions: { ErrorResponse: { type: 'object' } },
      responses: {},
      parameters: {},
      tags: [],
    });
    // Key order too: the published documents are compared byte for byte.
    expect(Object.keys(inlined)).toEqual(Object.keys(before));
    expect(Object.keys(inlined['paths']['/v1/{instance}/a']['get']['parameters'][1])).toEqual(Object.keys(INSTANCE));
    // Copies: the input is untouched and no two operations share an object.
    expect(source).toEqual(before);
    expect(inlined['paths']['/v1/{instance}/a']['parameters'][0]).not.toBe(inlined['paths']['/v1/{instance}/a']['get']['parameters'][1]);
  });

  it('stops on a reference to a name that is not shared, or into the wrong section', () => {
    const unknown = documentWith({ '/a': { get: { responses: { 401: { $ref: '#/responses/Unauthorised' } } } } });
    expect(() => inlineSharedDefinitions(unknown)).toThrow(
      'paths./a.get.responses.401: $ref "#/responses/Unauthorised" names no shared response (#/responses/<name>; defined: Unauthorized, Unused)',
    );
    const crossed = documentWith({ '/a': { get: { parameters: [{ $ref: '#/responses/Unauthorized' }], responses: {} } } });
    expect(() => inlineSharedDefinitions(crossed)).toThrow('paths./a.get.parameters[0]: $ref "#/responses/Unauthorized" names no shared parameter (#/parameters/<name>; defined: Instance)');
  });
});

describe('the route annotations', () => {
  const routes = join(__dirname, '..', '..', '..', 'api', 'src', 'http', 'routes').replace(/\\/g, '/');
  const raw = swaggerJsdoc({ definition: { swagger: '2.0', info: { title: 'raw', version: '0' } }, apis: [`${routes}/*.ts`], failOnErrors: true }) as Json;
  const text = JSON.stringify(raw['paths']);

  it('refer to every shared parameter and response (none is defined for nothing)', () => {
    const shared = [...Object.keys(raw['parameters'] as Json).map((name) => `#/parameters/${name}`), ...Object.keys(raw['responses'] as Json).map((name) => `#/responses/${name}`)];
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.filter((ref) => !text.includes(JSON.stringify(ref)))).toEqual([]);
  });

  it('reach /swagger.json with every shared parameter and response inlined', () => {
    const served = JSON.stringify(openApiDocument());
    expect(served).not.toMatch(/#\/(parameters|responses)\//);
    expect(openApiDocument()).toMatchObject({ parameters: {}, responses: {} });
  });
});
