/**
 * Reads the API's swagger-jsdoc annotations (`@swagger` / `@openapi` JSDoc blocks holding YAML) into
 * one Swagger 2.0 object with swagger-jsdoc 6. The base definition given decides the version:
 * `swagger: "2.0"` makes swagger-jsdoc emit Swagger 2.0, which is what connectors accept. The
 * parameters and responses the annotations share (`#/parameters/…`, `#/responses/…`) come out inlined
 * in every operation, exactly as the API's /swagger.json carries them (see README, "Shared parameters
 * and responses").
 */
import swaggerJsdoc from 'swagger-jsdoc';
import { inlineSharedDefinitions } from '../../api/src/http/openApiSharedDefinitions';
import { HTTP_METHODS, isObject, type JsonObject } from './validation/swagger-model';

/** Connectors take Swagger 2.0 only; said whenever annotations look like OpenAPI 3. */
export const SWAGGER2_ONLY =
  'connector annotations must be Swagger 2.0 (`in: body` parameters with `schema`, `#/definitions/…` references), not OpenAPI 3 (`requestBody`, `components`, `content`)';

export function readApiAnnotations(patterns: readonly string[], baseDefinition: JsonObject): JsonObject {
  let specification: unknown;
  try {
    specification = swaggerJsdoc({ definition: structuredClone(baseDefinition) as swaggerJsdoc.SwaggerDefinition, apis: [...patterns], failOnErrors: true });
  } catch (error) {
    // swagger-jsdoc 6 throws a bare TypeError on a `components:` block under a Swagger 2.0 base.
    throw new Error(`swagger-jsdoc could not read the annotations: ${(error as Error).message}\n(${SWAGGER2_ONLY})`);
  }
  if (!isObject(specification)) throw new Error('swagger-jsdoc returned no specification object');
  const openApi3 = openApi3Constructs(specification);
  if (openApi3.length > 0) throw new Error(`${SWAGGER2_ONLY}; found ${openApi3.join(', ')}`);
  return inlineSharedDefinitions(specification);
}

/** Where annotations used OpenAPI 3 constructs that a Swagger 2.0 connector cannot carry. */
export function openApi3Constructs(definition: JsonObject): string[] {
  const found: string[] = [];
  for (const key of ['components', 'servers', 'openapi']) if (key in definition) found.push(key);
  const paths = isObject(definition['paths']) ? definition['paths'] : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      if ('requestBody' in operation) found.push(`requestBody in ${method.toUpperCase()} ${path}`);
      const responses = isObject(operation['responses']) ? operation['responses'] : {};
      for (const [code, response] of Object.entries(responses)) {
        if (isObject(response) && 'content' in response) found.push(`content in ${method.toUpperCase()} ${path} response ${code}`);
      }
    }
  }
  return found;
}

/** How many operations (path + method) a definition has. */
export function countOperations(definition: JsonObject): number {
  const paths = isObject(definition['paths']) ? definition['paths'] : {};
  return Object.values(paths).reduce<number>((count, item) => count + (isObject(item) ? HTTP_METHODS.filter((method) => isObject(item[method])).length : 0), 0);
}
