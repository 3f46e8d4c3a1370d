import type { JsonPath } from './finding';

/** Read-only navigation of a Swagger 2.0 definition as parsed JSON (no dereferencing, no copies). */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationEntry {
  readonly pathKey: string;
  readonly method: HttpMethod;
  readonly operation: JsonObject;
  readonly pathItem: JsonObject;
  /** ["paths", pathKey, method] */
  readonly path: JsonPath;
  /** operationId when it is a string, else `<METHOD path>` for messages. */
  readonly label: string;
}

export function pathItemsOf(definition: JsonObject): [string, JsonObject][] {
  const paths = definition['paths'];
  if (!isObject(paths)) return [];
  return Object.entries(paths).filter((entry): entry is [string, JsonObject] => !entry[0].startsWith('x-') && isObject(entry[1]));
}

export function operationsOf(definition: JsonObject): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [pathKey, pathItem] of pathItemsOf(definition)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      const label = stringOf(operation['operationId']) ?? `${method.toUpperCase()} ${pathKey}`;
      entries.push({ pathKey, method, operation, pathItem, path: ['paths', pathKey, method], label });
    }
  }
  return entries;
}

/** Resolves a local JSON pointer (`#/definitions/Foo`); undefined when it does not resolve. */
export function resolvePointer(definition: JsonObject, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = definition;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
    if (node === undefined) return undefined;
  }
  return node;
}

/** The JSON path of a local reference target, for messages (`#/definitions/Foo` → definitions.Foo). */
export function pointerToPath(ref: string): JsonPath {
  return ref
    .slice(2)
    .split('/')
    .map((raw) => decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Follows `$ref` chains (at most 20 hops) and returns the target with its path. */
export function dereference(definition: JsonObject, node: unknown, path: JsonPath): { node: unknown; path: JsonPath } {
  let current = node;
  let currentPath = path;
  for (let hop = 0; hop < 20 && isObject(current) && typeof current['$ref'] === 'string'; hop++) {
    const ref = current['$ref'];
    currentPath = pointerToPath(ref);
    current = resolvePointer(definition, ref);
  }
  return { node: current, path: currentPath };
}

export interface ParameterEntry {
  readonly parameter: JsonObject;
  /** Where the parameter object itself is written (inside #/parameters when referenced). */
  readonly path: JsonPath;
  readonly name: string;
  readonly location: string;
}

/** The operation's effective parameters: path-level ones overridden by operation-level ones (same name + in). */
export function parametersOf(definition: JsonObject, entry: OperationEntry): ParameterEntry[] {
  const collect = (list: unknown, listPath: JsonPath): ParameterEntry[] => {
    if (!Array.isArray(list)) return [];
    const found: ParameterEntry[] = [];
    list.forEach((item, index) => {
      const { node, path } = dereference(definition, item, [...listPath, index]);
      if (!isObject(node)) return;
      found.push({ parameter: node, path, name: stringOf(node['name']) ?? '', location: stringOf(node['in']) ?? '' });
    });
    return found;
  };
  const pathLevel = collect(entry.pathItem['parameters'], ['paths', entry.pathKey, 'parameters']);
  const operationLevel = collect(entry.operation['parameters'], [...entry.path, 'parameters']);
  const overridden = new Set(operationLevel.map((p) => `${p.location}:${p.name}`));
  return [...pathLevel.filter((p) => !overridden.has(`${p.location}:${p.name}`)), ...operationLevel];
}

export function isInternal(node: JsonObject): boolean {
  return node['x-ms-visibility'] === 'internal';
}

export interface SchemaVisit {
  readonly schema: JsonObject;
  readonly path: JsonPath;
  /** Property name when this schema is a property of its parent object. */
  readonly propertyName?: string;
  /** The schemas from the root down to (not including) this one. */
  readonly ancestors: readonly JsonObject[];
  /** Whether the parent object lists this property in `required`. */
  readonly requiredByParent: boolean;
  /** Whether this schema and every property above it are required by their parents. */
  readonly requiredAllTheWay: boolean;
}

/**
 * Visits a schema and its sub-schemas (properties, items, additionalProperties, allOf), following
 * local `$ref`s once per chain so reference loops end. Paths point where each schema is written.
 */
export function walkSchema(definition: JsonObject, root: unknown, rootPath: JsonPath, visit: (visit: SchemaVisit) => void): void {
  const walk = (
    node: unknown,
    path: JsonPath,
    ancestors: JsonObject[],
    refs: Set<string>,
    propertyName: string | undefined,
    requiredByParent: boolean,
    requiredAllTheWay: boolean,
  ): void => {
    let current = node;
    let currentPath = path;
    const seen = new Set(refs);
    while (isObject(current) && typeof current['$ref'] === 'string') {
      const ref = current['$ref'];
      if (seen.has(ref)) return;
      seen.add(ref);
      currentPath = pointerToPath(ref);
      current = resolvePointer(definition, ref);
    }
    if (!isObject(current)) return;
    const schema = current;
    visit({ schema, path: currentPath, ancestors, requiredByParent, requiredAllTheWay, ...(propertyName !== undefined ? { propertyName } : {}) });
    const below = [...ancestors, schema];
    const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
    if (isObject(schema['properties'])) {
      for (const [name, child] of Object.entries(schema['properties'])) {
        const isRequired = required.includes(name);
        walk(child, [...currentPath, 'properties', name], below, seen, name, isRequired, requiredAllTheWay && isRequired);
      }
    }
    if (isObject(schema['items'])) walk(schema['items'], [...currentPath, 'items'], below, seen, undefined, false, false);
    if (isObject(schema['additionalProperties'])) walk(schema['additionalProperties'], [...currentPath, 'additionalProperties'], below, seen, undefined, false, false);
    if (Array.isArray(schema['allOf'])) schema['allOf'].forEach((child, index) => walk(child, [...currentPath, 'allOf', index], below, seen, undefined, false, requiredAllTheWay));
  };
  walk(root, rootPath, [], new Set(), undefined, false, true);
}

/** Every JSON value in a document with its path (for checks that apply anywhere, like `$ref`). */
export function walkJson(node: unknown, path: JsonPath, visit: (value: unknown, path: JsonPath) => void): void {
  visit(node, path);
  if (Array.isArray(node)) node.forEach((child, index) => walkJson(child, [...path, index], visit));
  else if (isObject(node)) for (const [key, child] of Object.entries(node)) walkJson(child, [...path, key], visit);
}

/** Successful status codes of an operation's responses ("200", "2XX"…), in definition order. */
export function responseEntries(entry: OperationEntry): [string, unknown][] {
  const responses = entry.operation['responses'];
  return isObject(responses) ? Object.entries(responses).filter(([code]) => !code.startsWith('x-')) : [];
}

export function isSuccessCode(code: string): boolean {
  return /^2(\d\d|XX)$/i.test(code);
}
