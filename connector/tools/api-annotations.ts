/**
 * Reads the API's swagger-jsdoc annotations (`@swagger` / `@openapi` JSDoc blocks holding YAML) into
 * one Swagger 2.0 object with swagger-jsdoc 6. The base definition given decides the version:
 * `swagger: "2.0"` makes swagger-jsdoc emit Swagger 2.0, which is what connectors accept.
 */
import swaggerJsdoc from 'swagger-jsdoc';
import { HTTP_METHODS, isObject, type JsonObject } from './validation/swagger-model';

export function readApiAnnotations(patterns: readonly string[], baseDefinition: JsonObject): JsonObject {
  const specification = swaggerJsdoc({ definition: structuredClone(baseDefinition) as swaggerJsdoc.SwaggerDefinition, apis: [...patterns], failOnErrors: true });
  if (!isObject(specification)) throw new Error('swagger-jsdoc returned no specification object');
  return specification;
}

/** How many operations (path + method) a definition has. */
export function countOperations(definition: JsonObject): number {
  const paths = isObject(definition['paths']) ? definition['paths'] : {};
  return Object.values(paths).reduce<number>((count, item) => count + (isObject(item) ? HTTP_METHODS.filter((method) => isObject(item[method])).length : 0), 0);
}
