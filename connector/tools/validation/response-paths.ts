import { dereference, isObject, isSuccessCode, responseEntries, type JsonObject, type OperationEntry } from './swagger-model';

/** What walking a path string ("content/items") through a response schema found. */
export type SchemaLookup =
  | { readonly kind: 'found'; readonly schema: JsonObject }
  /** The schema is free-form there (an object without declared properties): nothing to check. */
  | { readonly kind: 'open' }
  | { readonly kind: 'missing'; readonly at: string };

/** The schema of the operation's first success response that has one. */
export function successSchema(definition: JsonObject, entry: OperationEntry): JsonObject | undefined {
  for (const [code, raw] of responseEntries(entry)) {
    if (!isSuccessCode(code)) continue;
    const { node } = dereference(definition, raw, []);
    if (!isObject(node)) continue;
    const { node: schema } = dereference(definition, node['schema'], []);
    if (isObject(schema)) return schema;
  }
  return undefined;
}

/** Follows a path string (a JSON pointer without the leading "/") through `properties`. */
export function lookUpPath(definition: JsonObject, root: JsonObject, pathString: string): SchemaLookup {
  let schema = root;
  for (const segment of pathString.split('/').filter(Boolean)) {
    const properties = schema['properties'];
    if (!isObject(properties)) {
      const free = schema['type'] === undefined || schema['type'] === 'object';
      return free ? { kind: 'open' } : { kind: 'missing', at: segment };
    }
    const { node } = dereference(definition, properties[segment], []);
    if (!isObject(node)) return isObject(schema['additionalProperties']) || schema['additionalProperties'] === true ? { kind: 'open' } : { kind: 'missing', at: segment };
    schema = node;
  }
  return { kind: 'found', schema };
}

/** The item schema of an array found at `collectionPath` (the root when absent). */
export function lookUpItems(definition: JsonObject, root: JsonObject, collectionPath: string | undefined): SchemaLookup | { readonly kind: 'notArray' } {
  const collection = collectionPath ? lookUpPath(definition, root, collectionPath) : ({ kind: 'found', schema: root } as const);
  if (collection.kind !== 'found') return collection;
  if (collection.schema['type'] !== 'array') return collection.schema['type'] === undefined ? { kind: 'open' } : { kind: 'notArray' };
  const { node } = dereference(definition, collection.schema['items'], []);
  return isObject(node) ? { kind: 'found', schema: node } : { kind: 'open' };
}
