/**
 * The parameters and responses several operations share are annotated once, at document level
 * (Swagger 2.0 `parameters:` and `responses:`, in `routes/sharedDefinitions.ts`), and the operations
 * refer to them with `$ref: '#/parameters/…'` / `'#/responses/…'`. The documents built from the
 * annotations — /swagger.json and the custom connector (`connector/tools/api-annotations.ts`) — carry
 * each of them inlined where it is used instead: an operation reads complete on its own, in Swagger UI,
 * in the connector's editor and to every client that read the document before the definitions were
 * shared, and the published documents stay exactly what they were. Schema references
 * (`#/definitions/…`) stay references.
 */

type JsonObject = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

const SHARED_SECTIONS = { parameters: 'parameter', responses: 'response' } as const;
type SharedSection = keyof typeof SHARED_SECTIONS;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `document` whose `#/parameters/…` and `#/responses/…` references are replaced by a copy of
 * what they name, and whose document-level `parameters` and `responses` are emptied (every entry is
 * inlined where it is used; one no operation uses is dropped). A reference to a name that is not
 * defined, or into another section, throws: the build stops instead of publishing a broken document.
 */
export function inlineSharedDefinitions<T extends JsonObject>(document: T): T {
  const copy = structuredClone(document);
  const inline = (section: SharedSection, value: unknown, where: string): unknown => {
    if (!isObject(value) || !('$ref' in value)) return value;
    const ref = value['$ref'];
    const prefix = `#/${section}/`;
    const name = typeof ref === 'string' && ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
    const shared = isObject(copy[section]) ? copy[section] : {};
    const target = name === undefined ? undefined : shared[name];
    if (!isObject(target)) {
      const defined = Object.keys(shared).join(', ') || 'none';
      throw new Error(`${where}: $ref ${JSON.stringify(ref)} names no shared ${SHARED_SECTIONS[section]} (${prefix}<name>; defined: ${defined})`);
    }
    return structuredClone(target);
  };
  const paths = isObject(copy['paths']) ? copy['paths'] : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const inlineParameters = (owner: JsonObject, where: string): void => {
      if (Array.isArray(owner['parameters'])) owner['parameters'] = owner['parameters'].map((parameter: unknown, index) => inline('parameters', parameter, `${where}.parameters[${index}]`));
    };
    inlineParameters(item, `paths.${path}`);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const where = `paths.${path}.${method}`;
      inlineParameters(operation, where);
      const responses = operation['responses'];
      if (!isObject(responses)) continue;
      for (const [status, response] of Object.entries(responses)) responses[status] = inline('responses', response, `${where}.responses.${status}`);
    }
  }
  for (const section of Object.keys(SHARED_SECTIONS)) if (section in copy) (copy as JsonObject)[section] = {};
  return copy;
}
