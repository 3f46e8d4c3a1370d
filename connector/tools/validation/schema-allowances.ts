/**
 * The documented gaps of the PowerPlatformConnectors JSON schemas (checklist R52, R53): fields that
 * certified connectors legitimately use and the schemas refuse (19% of certified apiProperties and
 * 22% of certified definitions fail the raw schemas). They are tolerated by widening a copy of
 * the schema here, one named allowance each, so the schema files stay verbatim copies.
 * Each allowance fails loudly if the schema no longer has the place it widens. The connector named
 * beside an allowance is a certified one that needs it (`npm run connector:calibrate`).
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

/** Every templateId spelling the schema's known policy templates accept ("dynamichosturl", "DynamicHostUrl"…). */
function knownTemplateIds(schema: Schema, template: Schema): string[] {
  return (template['oneOf'] as Schema[]).flatMap((branch) => {
    const name = String(branch['$ref']).replace('#/definitions/', '');
    const ids = at(schema, ['definitions', name, 'properties', 'templateId'])['enum'];
    if (!Array.isArray(ids)) throw new Error(`schema allowance: ${name} has no templateId enum any more`);
    return ids as string[];
  });
}

/** Definitions of the swagger schema that describe schemas or parameters (where x-ms-editor appears). */
const SWAGGER_EDITOR_HOSTS = ['schema', 'schema-dynamic-allowed', 'bodyParameter', 'headerParameterSubSchema', 'queryParameterSubSchema', 'formDataParameterSubSchema', 'pathParameterSubSchema'];

/**
 * R53: newer x-ms-* extensions certified definitions use (x-ms-openai-*, info.x-ms-keywords,
 * x-ms-editor); any `format` string (Swagger 2.0 leaves `format` open: `guid`, `integer` and `""` in
 * Way_We_Do, EBMS, Formstack_Forms); `x-ms-url-encoding` on header parameters
 * (Aranda_Service_Management); an operation with `"responses": {}` (webhook subscribe and internal
 * operations of Aletheia, AzureIoTCentral, tyntec-Viber; R27 warns about it).
 */
export function widenSwaggerSchema(original: Schema): Schema {
  const schema = structuredClone(original);
  allowProperty(schema, [], 'x-ms-openai-data');
  allowProperty(schema, [], 'x-ms-openai-manifest');
  allowProperty(schema, ['definitions', 'operation'], 'x-ms-openai-data');
  allowProperty(schema, ['definitions', 'info'], 'x-ms-keywords');
  for (const host of SWAGGER_EDITOR_HOSTS) allowProperty(schema, ['definitions', host], 'x-ms-editor');
  const format = at(schema, ['definitions', 'format']);
  if (!Array.isArray(format['enum'])) throw new Error('schema allowance: definitions/format has no enum any more');
  delete format['enum'];
  allowProperty(schema, ['definitions', 'headerParameterSubSchema'], 'x-ms-url-encoding', { $ref: '#/definitions/x-ms-url-encoding' });
  const responses = at(schema, ['definitions', 'responses']);
  if (responses['minProperties'] !== 1 || responses['not'] === undefined) throw new Error('schema allowance: definitions/responses no longer requires a response');
  delete responses['minProperties'];
  delete responses['not'];
  return schema;
}

/**
 * R52: apiProperties fields the paconn schema lacks: scriptOperations, connectionParameterSets,
 * redirectMode GlobalPerConnector, aad customParameters.enableOnbehalfOfLogin,
 * oAuthSettings.properties.IsOnbehalfofLoginSupported / AzureActiveDirectoryResourceId; the same
 * on-behalf-of settings and tenantId for `aadcertificate` (Business_Assist); policy templates the
 * schema does not know yet, such as `dynamicsubdomain` (AlisQI), as long as they have a templateId
 * and a parameters object.
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
  const certificate = (oAuthSettings['oneOf'] as Schema[]).find((branch) => branch['description'] === 'identityProvider: aadcertificate');
  if (!certificate) throw new Error('schema allowance: the schema has no aadcertificate oAuthSettings branch any more');
  for (const name of ['tenantId', 'enableOnbehalfOfLogin']) allowProperty(certificate, ['properties', 'customParameters'], name);
  allowProperty(certificate, ['properties', 'properties'], 'IsOnbehalfofLoginSupported');
  const template = at(schema, ['definitions', 'PolicyTemplateInstance']);
  const knownIds = knownTemplateIds(schema, template);
  (template['oneOf'] as Schema[]).push({
    type: 'object',
    required: ['templateId', 'parameters'],
    properties: { templateId: { type: 'string', not: { enum: knownIds } }, title: { type: 'string' }, parameters: { type: 'object' } },
  });
  return schema;
}
