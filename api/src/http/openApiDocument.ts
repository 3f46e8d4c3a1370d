/**
 * The API's Swagger 2.0 document, served at /swagger.json and shown by Swagger UI at /docs. It is read
 * from the same swagger-jsdoc annotations of `routes/` that `npm run build:connector` turns into the
 * custom connector, so the two cannot drift. Built once per process; in the compiled build (`dist/`),
 * `npm run build` has written it next to this module (`openapi.json`), and swagger-jsdoc, a development
 * dependency, is not needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineSharedDefinitions } from './openApiSharedDefinitions';

/** Where `npm run build` writes the document in `dist/`; absent when running from the sources. */
export const PREBUILT_OPENAPI_DOCUMENT = join(__dirname, 'openapi.json');

export const API_VERSION = '1.0.0';

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= existsSync(PREBUILT_OPENAPI_DOCUMENT) ? (JSON.parse(readFileSync(PREBUILT_OPENAPI_DOCUMENT, 'utf8')) as Record<string, unknown>) : documentFromAnnotations();
  return structuredClone(cached);
}

/**
 * The document from the route sources' annotations (swagger-jsdoc, loaded only here), with the shared
 * parameters and responses of `routes/sharedDefinitions.ts` inlined where they are used.
 */
export function documentFromAnnotations(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swaggerJsdoc = require('swagger-jsdoc') as typeof import('swagger-jsdoc');
  const definition = {
    swagger: '2.0',
    info: {
      title: 'Dataverse Ensure API',
      version: API_VERSION,
      description:
        'Ensure that the records a write refers to exist in the target Dataverse instance: missing ones are created as tracked stubs that replication later hydrates. Every /v1 operation needs an API key in the X-API-Key header.',
    },
    basePath: '/',
    consumes: ['application/json'],
    produces: ['application/json'],
    securityDefinitions: { api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    security: [{ api_key: [] }],
  };
  const routes = join(__dirname, 'routes').replace(/\\/g, '/');
  const document = swaggerJsdoc({
    definition,
    apis: [`${routes}/*.ts`, `${routes}/*.js`],
    failOnErrors: true,
  }) as Record<string, unknown>;
  return inlineSharedDefinitions(document);
}
