/**
 * The documented gaps of the PowerPlatformConnectors JSON schemas (checklist R52, R53): fields that
 * certified connectors legitimately use and the schemas refuse (19% of certified apiProperties and
 * 22% of certified definitions fail the raw schemas). They are tolerated by widening a copy of
 * the schema here, one named allowance each, so the schema files stay verbatim copies.
 * Each allowance fails loudly if the schema no longer has the place it widens.
 */
type Schema = Record<string, unknown>;

function at(schema: Schema, path: readonly string[]): Schema {
  let node: unknown = schema;
  for (const key of path) {
    node = (node as Schema | undefined)?.[key];
    if (typeof node !== 'object' || node === null) throw new Error(`schema allowance: the schema has no ${path.join('/')} any more`);
  }
  return node as Schema;
}

function allowProperty(schema: Schema, objectPath: readonly string[], name: string, definition: Schema = {}): void {
  const properties = at(schema, [...objectPath, 'properties']);
  properties[name] ??= definition;
}

/** Definitions of the swagger schema that describe schemas or parameters (where x-ms-editor appears). */
const SWAGGER_EDITOR_HOSTS = ['schema', 'schema-dynamic-allowed', 'bodyParameter', 'headerParameterSubSchema', 'queryParameterSubSchema', 'formDataParameterSubSchema', 'pathParameterSubSchema'];

/** R53: newer x-ms-* extensions certified definitions use (x-ms-openai-*, info.x-ms-keywords, x-ms-editor). */
export function widenSwaggerSchema(original: Schema): Schema {
  const schema = structuredClone(original);
  allowProperty(schema, [], 'x-ms-openai-data');
  allowProperty(schema, [], 'x-ms-openai-manifest');
  allowProperty(schema, ['definitions', 'operation'], 'x-ms-openai-data');
  allowProperty(schema, ['definitions', 'info'], 'x-ms-keywords');
  for (const host of SWAGGER_EDITOR_HOSTS) allowProperty(schema, ['definitions', host], 'x-ms-editor');
  return schema;
}

/**
 * R52: apiProperties fields the paconn schema lacks: scriptOperations, connectionParameterSets,
 * redirectMode GlobalPerConnector, aad customParameters.enableOnbehalfOfLogin,
 * oAuthSettings.properties.IsOnbehalfofLoginSupported / AzureActiveDirectoryResourceId.
 */
export function widenApiPropertiesSchema(original: Schema): Schema {
  const schema = structuredClone(original);
  allowProperty(schema, ['properties', 'properties'], 'scriptOperations', { type: 'array', items: { type: 'string' } });
  allowProperty(schema, ['properties', 'properties'], 'connectionParameterSets', { type: 'object' });
  const oAuthSettings = at(schema, ['definitions', 'oAuthSettings']);
  const redirectMode = at(oAuthSettings, ['properties', 'redirectMode']);
  const modes = redirectMode['enum'] as string[];
  if (!modes.includes('GlobalPerConnector')) modes.push('GlobalPerConnector');
  allowProperty(oAuthSettings, ['properties', 'properties'], 'IsOnbehalfofLoginSupported');
  allowProperty(oAuthSettings, ['properties', 'properties'], 'AzureActiveDirectoryResourceId');
  const aad = (oAuthSettings['oneOf'] as Schema[]).find((branch) => branch['description'] === 'identityProvider: aad');
  if (!aad) throw new Error('schema allowance: the schema has no aad oAuthSettings branch any more');
  allowProperty(aad, ['properties', 'customParameters'], 'enableOnbehalfOfLogin');
  return schema;
}
