import { PNG } from 'pngjs';
import { formatFinding } from '../../connector/tools/report';
import { RULES, type RuleId, type Severity } from '../../connector/tools/validation/rule-catalog';
import { validateConnectorFiles } from '../../connector/tools/validation/validate-connector-files';
import { loadEditable, toConnectorFiles, type EditableConnector, type Json } from './connector-fixtures';

/**
 * One deliberately broken copy of the compliant fixture per rule: each mutation must make the
 * validator report that rule, at that JSON path, with the checklist's severity.
 */
interface Mutation {
  readonly ruleId: RuleId;
  readonly breaks: string;
  readonly mutate: (connector: EditableConnector) => void;
  /** File and JSON path the finding must name. */
  readonly file?: string;
  readonly path: string;
  /** Source code the finding must carry, when the rule has several. */
  readonly source?: string;
  /** The severity expected, when it is not the rule's (a code the catalog lists in warningCodes). */
  readonly severity?: Severity;
}

const STUB = '/v1/stubs/{stubId}';
const STUBS = '/v1/stubs';
const ENSURE = '/v1/instances/{instance}/tables/{table}/ensure';
const SUBSCRIPTIONS = '/v1/subscriptions';

const op = (definition: Json, path: string, method = 'get'): Json => definition.paths[path][method];
const param = (definition: Json, path: string, name: string, method = 'get'): Json =>
  op(definition, path, method).parameters.find((p: Json) => p.name === name);

/** Marks List stubs pageable by `nextLinkName`; optionally declares that property and routes it with updatenextlink. */
function makePageable({ definition, properties }: EditableConnector, nextLinkName: string, options: { declare: boolean; route: boolean }): void {
  op(definition, STUBS)['x-ms-pageable'] = { nextLinkName };
  if (options.declare) definition.definitions.StubList.properties[nextLinkName] = { type: 'string', description: 'The next page.', 'x-ms-summary': 'Next Link' };
  if (options.route) {
    properties.properties.policyTemplateInstances.push({
      templateId: 'updatenextlink',
      title: 'Route the next page link through the connector',
      parameters: { 'x-ms-apimTemplate-operationName': [op(definition, STUBS).operationId], 'x-ms-apimTemplateParameter.nextLinkPropertyName': nextLinkName },
    });
  }
}

function pngOfSize(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(0x40);
  return PNG.sync.write(png);
}

const MUTATIONS: Mutation[] = [
  { ruleId: 'R01', breaks: 'OpenAPI 3 instead of Swagger 2.0', mutate: ({ definition }) => (definition.swagger = '3.0'), path: 'swagger' },
  { ruleId: 'R02', breaks: 'missing title', mutate: ({ definition }) => delete definition.info.title, path: 'info.title' },
  { ruleId: 'R03', breaks: 'title over 30 characters', mutate: ({ definition }) => (definition.info.title = 'Dataverse Ensure For Every Record'), path: 'info.title' },
  { ruleId: 'R04', breaks: 'title with "API"', mutate: ({ definition }) => (definition.info.title = 'Dataverse Ensure API'), path: 'info.title' },
  { ruleId: 'R05', breaks: 'title ending in punctuation', mutate: ({ definition }) => (definition.info.title = 'Dataverse Ensure!'), path: 'info.title' },
  { ruleId: 'R06', breaks: 'description under 30 characters', mutate: ({ definition }) => (definition.info.description = 'Ensures records.'), path: 'info.description' },
  { ruleId: 'R07', breaks: 'description naming Power Automate', mutate: ({ definition }) => (definition.info.description += ' Use it from Power Automate.'), path: 'info.description' },
  { ruleId: 'R08', breaks: 'host with scheme and path', mutate: ({ definition }) => (definition.host = 'https://ensure.example.com/api'), path: 'host' },
  { ruleId: 'R10', breaks: 'basePath without leading slash', mutate: ({ definition }) => (definition.basePath = 'v1'), path: 'basePath' },
  { ruleId: 'R11', breaks: 'empty schemes', mutate: ({ definition }) => (definition.schemes = []), path: 'schemes' },
  {
    ruleId: 'R13',
    breaks: 'metadata without Privacy policy',
    mutate: ({ definition }) => (definition['x-ms-connector-metadata'] = definition['x-ms-connector-metadata'].filter((m: Json) => m.propertyName !== 'Privacy policy')),
    path: 'x-ms-connector-metadata',
  },
  { ruleId: 'R14', breaks: 'contact without email', mutate: ({ definition }) => delete definition.info.contact.email, path: 'info.contact.email' },
  {
    ruleId: 'R15',
    breaks: 'path redefined with other capitalization',
    mutate: ({ definition }) => (definition.paths['/v1/Stubs'] = { get: { ...structuredClone(op(definition, STUBS)), operationId: 'ListStubsAgain' } }),
    path: 'paths./v1/Stubs',
    source: 'S1 PathRedefined',
  },
  { ruleId: 'R17', breaks: 'operation without operationId', mutate: ({ definition }) => delete op(definition, STUB).operationId, path: `paths.${STUB}.get.operationId` },
  { ruleId: 'R18', breaks: 'operationId with a dash', mutate: ({ definition }) => (op(definition, STUB).operationId = 'Get-Stub'), path: `paths.${STUB}.get.operationId` },
  { ruleId: 'R19', breaks: 'operation without summary', mutate: ({ definition }) => delete op(definition, STUB).summary, path: `paths.${STUB}.get.summary` },
  {
    ruleId: 'R19',
    breaks: 'internal operation without summary',
    mutate: ({ definition }) => delete op(definition, '/v1/instances').summary,
    path: 'paths./v1/instances.get.summary',
    source: 'S2 InternalOperationSummaryMissing',
    severity: 'warning',
  },
  { ruleId: 'R20', breaks: 'summary over 80 characters', mutate: ({ definition }) => (op(definition, STUB).summary = `Get stub ${'x'.repeat(80)}`), path: `paths.${STUB}.get.summary` },
  { ruleId: 'R21', breaks: 'summary with a slash', mutate: ({ definition }) => (op(definition, STUB).summary = 'Get stub or record'.replace(' or ', '/')), path: `paths.${STUB}.get.summary` },
  { ruleId: 'R23', breaks: 'summary with a comma', mutate: ({ definition }) => (op(definition, STUB).summary = 'Get stub, quickly'), path: `paths.${STUB}.get.summary` },
  { ruleId: 'R24', breaks: 'operation without description', mutate: ({ definition }) => delete op(definition, STUB).description, path: `paths.${STUB}.get.description` },
  { ruleId: 'R25', breaks: 'description not ending in punctuation', mutate: ({ definition }) => (op(definition, STUB).description = 'Returns one stub record'), path: `paths.${STUB}.get.description` },
  { ruleId: 'R26', breaks: 'description equal to summary', mutate: ({ definition }) => (op(definition, STUB).description = op(definition, STUB).summary), path: `paths.${STUB}.get.description` },
  { ruleId: 'R27', breaks: 'no responses', mutate: ({ definition }) => (op(definition, STUB).responses = {}), path: `paths.${STUB}.get.responses` },
  {
    ruleId: 'R28',
    breaks: 'default-only responses',
    mutate: ({ definition }) => (op(definition, STUB).responses = { default: { description: 'Anything.' } }),
    path: `paths.${STUB}.get.responses`,
  },
  {
    ruleId: 'R29',
    breaks: 'default response with a schema',
    mutate: ({ definition }) => (op(definition, STUB).responses.default.schema = { type: 'object' }),
    path: `paths.${STUB}.get.responses.default.schema`,
  },
  { ruleId: 'R30', breaks: 'visible action without 200 schema', mutate: ({ definition }) => delete op(definition, STUB).responses['200'].schema, path: `paths.${STUB}.get.responses` },
  {
    ruleId: 'R31',
    breaks: 'two success responses with schemas',
    mutate: ({ definition }) => (op(definition, STUB).responses['203'] = structuredClone(op(definition, STUB).responses['200'])),
    path: `paths.${STUB}.get.responses`,
  },
  { ruleId: 'R32', breaks: 'optional path parameter', mutate: ({ definition }) => (param(definition, STUB, 'stubId').required = false), path: `paths.${STUB}.get.parameters[0].required` },
  {
    ruleId: 'R33',
    breaks: 'two body parameters',
    mutate: ({ definition }) => op(definition, ENSURE, 'post').parameters.push({ name: 'second', in: 'body', schema: { type: 'object' } }),
    path: `paths.${ENSURE}.post.parameters`,
  },
  {
    ruleId: 'R34',
    breaks: 'parameter named connectionId',
    mutate: ({ definition }) =>
      op(definition, STUBS).parameters.push({ name: 'connectionId', in: 'query', type: 'string', 'x-ms-summary': 'Connection', description: 'Not allowed.' }),
    path: `paths.${STUBS}.get.parameters[5].name`,
  },
  { ruleId: 'R35', breaks: 'body parameter without schema', mutate: ({ definition }) => delete param(definition, ENSURE, 'body', 'post').schema, path: `paths.${ENSURE}.post.parameters[2]` },
  { ruleId: 'R36', breaks: 'visible parameter without x-ms-summary', mutate: ({ definition }) => delete param(definition, STUBS, 'state')['x-ms-summary'], path: `paths.${STUBS}.get.parameters[2].x-ms-summary` },
  { ruleId: 'R37', breaks: 'visible parameter without description', mutate: ({ definition }) => delete param(definition, STUBS, 'state').description, path: `paths.${STUBS}.get.parameters[2].description` },
  {
    ruleId: 'R39',
    breaks: 'GET with a body',
    mutate: ({ definition }) => op(definition, STUBS).parameters.push({ name: 'body', in: 'body', schema: { type: 'object' } }),
    path: `paths.${STUBS}.get.parameters`,
  },
  {
    ruleId: 'R40',
    breaks: 'notification URL neither internal nor under an internal parent',
    mutate: ({ definition }) => delete param(definition, SUBSCRIPTIONS, 'body', 'post').schema.properties.callbackUrl['x-ms-visibility'],
    path: `paths.${SUBSCRIPTIONS}.post.parameters[0].schema.properties.callbackUrl.x-ms-notification-url`,
    source: 'S1 NotificationUrlNotInternal',
  },
  {
    ruleId: 'R40',
    breaks: 'notification URL not required',
    mutate: ({ definition }) => (param(definition, SUBSCRIPTIONS, 'body', 'post').schema.required = ['instance']),
    path: `paths.${SUBSCRIPTIONS}.post.parameters[0].schema.properties.callbackUrl.x-ms-notification-url`,
    source: 'S1 NotificationUrlNotRequired',
    severity: 'warning',
  },
  {
    ruleId: 'R40',
    breaks: 'notification URL property in a response schema',
    mutate: ({ definition }) => (definition.definitions.Subscription.properties.callbackUrl = { type: 'string', 'x-ms-notification-url': true, 'x-ms-visibility': 'internal' }),
    path: 'definitions.Subscription.properties.callbackUrl.x-ms-notification-url',
    source: 'S1 NotificationUrlNotAllowedInThisPosition',
    severity: 'warning',
  },
  {
    ruleId: 'R40',
    breaks: 'notification URL not a string',
    mutate: ({ definition }) => (param(definition, SUBSCRIPTIONS, 'body', 'post').schema.properties.callbackUrl.type = 'object'),
    path: `paths.${SUBSCRIPTIONS}.post.parameters[0].schema.properties.callbackUrl.x-ms-notification-url`,
    source: 'S1 NotificationUrlNotString',
  },
  {
    ruleId: 'R40',
    breaks: 'webhook trigger without notification URL',
    mutate: ({ definition }) => delete param(definition, SUBSCRIPTIONS, 'body', 'post').schema.properties.callbackUrl['x-ms-notification-url'],
    path: `paths.${SUBSCRIPTIONS}.post.parameters`,
    source: 'S1 WebhookOperationsMissingNotificationUrlProperty',
  },
  {
    ruleId: 'R32',
    breaks: 'path template variable without parameter',
    mutate: ({ definition }) => (op(definition, STUB).parameters = []),
    path: `paths.${STUB}.get.parameters`,
    source: 'S1 OperationMissingPathParameter',
  },
  { ruleId: 'R41', breaks: 'duplicate operationId', mutate: ({ definition }) => (op(definition, STUB).operationId = 'ListStubs'), path: `paths.${STUB}.get.operationId` },
  { ruleId: 'R42', breaks: 'webhook connector without DELETE', mutate: ({ definition }) => delete definition.paths['/v1/subscriptions/{subscriptionId}'], path: 'paths' },
  { ruleId: 'R43', breaks: 'unknown x-ms-trigger', mutate: ({ definition }) => (op(definition, SUBSCRIPTIONS, 'post')['x-ms-trigger'] = 'many'), path: `paths.${SUBSCRIPTIONS}.post.x-ms-trigger` },
  {
    ruleId: 'R44',
    breaks: 'dynamic values calling a missing operation',
    mutate: ({ definition }) => (param(definition, STUBS, 'table')['x-ms-dynamic-values'].operationId = 'ListTablez'),
    path: `paths.${STUBS}.get.parameters[1].x-ms-dynamic-values.operationId`,
  },
  {
    ruleId: 'R44',
    breaks: 'dynamic values reading a property the called operation does not return',
    mutate: ({ definition }) => (param(definition, STUBS, 'table')['x-ms-dynamic-values']['value-path'] = 'name'),
    path: `paths.${STUBS}.get.parameters[1].x-ms-dynamic-values.value-path`,
    source: 'S1 InvokedOperationShouldProduceProperty',
    severity: 'warning',
  },
  {
    ruleId: 'R44',
    breaks: 'dynamic values collection that is not an array',
    mutate: ({ definition }) => (param(definition, STUBS, 'table')['x-ms-dynamic-values']['value-collection'] = 'value/0'),
    path: `paths.${STUBS}.get.parameters[1].x-ms-dynamic-values.value-collection`,
    source: 'S1 InvokedOperationShouldProduceArray',
  },
  {
    ruleId: 'R44',
    breaks: 'dynamic schema not passing a required parameter of the called operation',
    mutate: ({ definition }) => delete param(definition, ENSURE, 'body', 'post').schema.properties.columns['x-ms-dynamic-schema'].parameters.table,
    path: `paths.${ENSURE}.post.parameters[2].schema.properties.columns.x-ms-dynamic-schema.parameters`,
    source: 'S1 OperationMissingRequiredProperty',
  },
  {
    ruleId: 'R44',
    breaks: 'dynamic values passing a parameter the called operation does not have',
    mutate: ({ definition }) => (param(definition, STUBS, 'table')['x-ms-dynamic-values'].parameters.region = 'eu'),
    path: `paths.${STUBS}.get.parameters[1].x-ms-dynamic-values.parameters.region`,
    source: 'S1 OperationParameterNameNotFound',
  },
  {
    ruleId: 'R44',
    breaks: 'dynamic values referencing a parameter the operation does not have',
    mutate: ({ definition }) => (param(definition, STUBS, 'table')['x-ms-dynamic-values'].parameters.instance = { parameter: 'environment' }),
    path: `paths.${STUBS}.get.parameters[1].x-ms-dynamic-values.parameters.instance`,
    source: 'S1 ParameterReferenceNotFound',
  },
  {
    ruleId: 'R44',
    breaks: 'testConnection on a missing operation',
    mutate: ({ definition }) => (definition['x-ms-capabilities'].testConnection.operationId = 'Ping'),
    path: 'x-ms-capabilities.testConnection.operationId',
  },
  {
    ruleId: 'R45',
    breaks: 'dynamic values referencing a body property without x-ms-dynamic-list',
    mutate: ({ definition }) => delete param(definition, SUBSCRIPTIONS, 'body', 'post').schema.properties.table['x-ms-dynamic-list'],
    path: `paths.${SUBSCRIPTIONS}.post.parameters[0].schema.properties.table.x-ms-dynamic-values.parameters.instance`,
  },
  {
    ruleId: 'R45',
    breaks: 'dynamic values reference naming both a parameter and a body property',
    mutate: ({ definition }) => {
      const body = param(definition, SUBSCRIPTIONS, 'body', 'post');
      body.schema.properties.table['x-ms-dynamic-values'].parameters.instance = { parameter: 'body' };
      body.schema.properties.body = { type: 'string', 'x-ms-summary': 'Body', description: 'Ambiguous on purpose.' };
      delete body.schema.properties.table['x-ms-dynamic-list'];
    },
    path: `paths.${SUBSCRIPTIONS}.post.parameters[0].schema.properties.table.x-ms-dynamic-values.parameters.instance`,
    source: 'S1 DynamicListExtensionRequiredForAmbiguousReferences',
  },
  {
    ruleId: 'R46',
    breaks: '$ref to a missing definition',
    mutate: ({ definition }) => (op(definition, STUB).responses['200'].schema.$ref = '#/definitions/Missing'),
    path: `paths.${STUB}.get.responses.200.schema.$ref`,
  },
  {
    ruleId: 'R46',
    breaks: 'definition containing itself through required properties',
    mutate: ({ definition }) => {
      definition.definitions.Stub.properties.parent = { $ref: '#/definitions/Stub' };
      definition.definitions.Stub.required = ['parent'];
    },
    path: 'definitions.Stub',
    source: 'S1 RequiredLoopInSchemaNotAllowed',
  },
  {
    ruleId: 'R46',
    breaks: '$ref with a sibling key',
    mutate: ({ definition }) => (op(definition, STUB).responses['200'].schema.description = 'The stub.'),
    path: `paths.${STUB}.get.responses.200.schema`,
    source: 'S1 AdditionalPropertyNotAllowedAdjacentToRef',
    severity: 'warning',
  },
  { ruleId: 'R47', breaks: 'required property not defined', mutate: ({ definition }) => definition.definitions.Reference.required.push('nope'), path: 'definitions.Reference.required' },
  {
    ruleId: 'R47',
    breaks: '"required" on an array schema',
    mutate: ({ definition }) => (definition.definitions.StubList.properties.value.required = ['id']),
    path: 'definitions.StubList.properties.value.required',
    source: 'S1 RequiredPropertyNotOnObject',
    severity: 'warning',
  },
  { ruleId: 'R48', breaks: 'MIME type that is no media type', mutate: ({ definition }) => (definition.consumes = ['json']), path: 'consumes[0]' },
  {
    ruleId: 'R48',
    breaks: 'media type the designer does not handle as JSON or text',
    mutate: ({ definition }) => (op(definition, STUB).produces = ['application/pdf']),
    path: `paths.${STUB}.get.produces[0]`,
    source: 'S1 MimeTypeNotSupported',
    severity: 'warning',
  },
  { ruleId: 'R49', breaks: 'apiKey scheme without a header name', mutate: ({ definition }) => delete definition.securityDefinitions.api_key.name, path: 'securityDefinitions.api_key.name' },
  {
    ruleId: 'R49',
    breaks: 'security requirement not defined',
    mutate: ({ definition }) => (definition.security = [{ other_key: [] }]),
    path: 'security[0].other_key',
    source: 'S1 SecurityRequirementMustBeDefined',
    severity: 'warning',
  },
  {
    ruleId: 'R50',
    breaks: 'default brand colour',
    mutate: ({ properties }) => (properties.properties.iconBrandColor = '#007ee5'),
    file: 'apiProperties.json',
    path: 'properties.iconBrandColor',
  },
  { ruleId: 'R51', breaks: 'no publisher', mutate: ({ properties }) => delete properties.properties.publisher, file: 'apiProperties.json', path: 'properties.publisher' },
  {
    ruleId: 'R52',
    breaks: 'apiProperties field outside the schema and its allow-list',
    mutate: ({ properties }) => (properties.properties.brandName = 'Ensure'),
    file: 'apiProperties.json',
    path: 'properties',
  },
  { ruleId: 'R53', breaks: 'unknown x-ms extension', mutate: ({ definition }) => (definition['x-ms-unknown'] = true), path: '' },
  {
    ruleId: 'R54',
    breaks: 'definition of 1 MB',
    mutate: ({ definition }) => (definition.definitions.Stub.description = 'x'.repeat(1024 * 1024)),
    path: '',
  },
  { ruleId: 'R55', breaks: 'custom code without Script class', mutate: (connector) => (connector.script = 'public class Other { }'), file: 'script.csx', path: '' },
  { ruleId: 'R56', breaks: '202 without Location', mutate: ({ definition }) => delete op(definition, ENSURE, 'post').responses['202'].headers.Location, path: `paths.${ENSURE}.post.responses.202.headers` },
  {
    ruleId: 'X01',
    breaks: 'duplicate parameter (swagger-parser)',
    mutate: ({ definition }) => op(definition, STUBS).parameters.push(structuredClone(param(definition, STUBS, 'state'))),
    path: '',
  },
  { ruleId: 'X02', breaks: 'icon of the wrong size', mutate: (connector) => (connector.icon = pngOfSize(100, 100)), file: 'icon.png', path: '' },
  { ruleId: 'X03', breaks: 'settings environment not a GUID', mutate: ({ settings }) => (settings.environment = 'production'), file: 'settings.json', path: 'environment' },
  {
    ruleId: 'X04',
    breaks: 'policy template using an undeclared connection parameter',
    mutate: ({ properties }) => (properties.properties.policyTemplateInstances[0].parameters['x-ms-apimTemplateParameter.urlTemplate'] = "@connectionParameters('baseUrl')"),
    file: 'apiProperties.json',
    path: 'properties.policyTemplateInstances[0].parameters.x-ms-apimTemplateParameter.urlTemplate',
  },
  { ruleId: 'X05', breaks: 'definition that is not JSON', mutate: (connector) => (connector.definitionText = '{ "swagger": "2.0", '), path: '' },
  {
    ruleId: 'X07',
    breaks: 'response property without x-ms-summary',
    mutate: ({ definition }) => delete definition.definitions.Stub.properties.state['x-ms-summary'],
    path: 'definitions.Stub.properties.state.x-ms-summary',
  },
  {
    ruleId: 'X07',
    breaks: 'request body property without x-ms-summary',
    mutate: ({ definition }) => delete param(definition, ENSURE, 'body', 'post').schema.properties.key['x-ms-summary'],
    path: `paths.${ENSURE}.post.parameters[2].schema.properties.key.x-ms-summary`,
  },
  {
    ruleId: 'X08',
    breaks: 'x-ms-pageable with a next link name the certification validator refuses',
    mutate: (connector) => makePageable(connector, 'next', { declare: true, route: true }),
    path: `paths.${STUBS}.get.x-ms-pageable.nextLinkName`,
    source: 'S1 InvalidNextLinkNameValue',
  },
  {
    ruleId: 'X08',
    breaks: 'x-ms-pageable whose response does not declare the next link (a warning: Emigo)',
    mutate: (connector) => makePageable(connector, 'nextLink', { declare: false, route: true }),
    path: `paths.${STUBS}.get.x-ms-pageable.nextLinkName`,
    source: 'S1 NextLinkPropertyMissing',
    severity: 'warning',
  },
  {
    ruleId: 'X08',
    breaks: 'x-ms-pageable without an updatenextlink policy template (a warning: Emigo)',
    mutate: (connector) => makePageable(connector, '@odata.nextLink', { declare: true, route: false }),
    path: `paths.${STUBS}.get.x-ms-pageable.nextLinkName`,
    source: 'S1 NextLinkNotRouted',
    severity: 'warning',
  },
  { ruleId: 'X06', breaks: 'no icon', mutate: (connector) => delete connector.icon, file: 'icon.png', path: '' },
];

describe('validator catches each rule on a broken copy of the compliant fixture', () => {
  it('covers every rule of the catalog', () => {
    expect([...new Set(MUTATIONS.map((m) => m.ruleId))].sort()).toEqual(Object.keys(RULES).sort());
  });

  it.each(MUTATIONS.map((m) => [m.ruleId, m.breaks, m] as const))('%s: %s', async (ruleId, _breaks, mutation) => {
    const connector = loadEditable();
    mutation.mutate(connector);
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    const matching = findings.filter((f) => f.ruleId === ruleId && f.file === (mutation.file ?? 'apiDefinition.swagger.json'));
    expect(matching.length).toBeGreaterThan(0);
    if (mutation.path !== '') expect(matching.map((f) => f.path)).toContain(mutation.path);
    if (mutation.source) expect(matching.map((f) => f.source)).toContain(mutation.source);
    expect(matching.every((f) => f.severity === (mutation.severity ?? RULES[ruleId].severity))).toBe(true);
    expect(formatFinding(matching[0]!)).toContain(`${ruleId} ${matching[0]!.source}`);
  });
});

describe('the catalog is calibrated', () => {
  const MICROSOFT_SOURCE = /^https:\/\/(learn\.microsoft\.com\/|github\.com\/microsoft\/PowerPlatformConnectors\/blob\/dev\/schemas\/)/;

  it.each(Object.values(RULES).map((rule) => [rule.id, rule] as const))('%s cites a Microsoft page or schema', (_id, rule) => {
    expect(rule.url).toMatch(MICROSOFT_SOURCE);
  });

  it('every rule at warning level that Microsoft lists as an error says what certified connectors do', () => {
    for (const rule of Object.values(RULES)) {
      for (const evidence of Object.values(rule.warningCodes ?? {})) expect(evidence).toMatch(/certified/);
      if (['R13', 'R27', 'R29', 'X04'].includes(rule.id)) expect(rule).toMatchObject({ severity: 'warning', evidence: expect.stringMatching(/certified|Microsoft/) });
    }
  });

  it('every error-level rule has a broken copy that makes it an error', () => {
    const errorRules = Object.values(RULES).filter((rule) => rule.severity === 'error').map((rule) => rule.id);
    const covered = new Set(MUTATIONS.filter((m) => (m.severity ?? RULES[m.ruleId].severity) === 'error').map((m) => m.ruleId));
    expect(errorRules.filter((id) => !covered.has(id as RuleId))).toEqual([]);
  });

  it('missing connector metadata (R13) and a schema on "default" (R29) warn', async () => {
    const connector = loadEditable();
    connector.definition['x-ms-connector-metadata'] = [];
    connector.definition.paths[STUB].get.responses.default.schema = { type: 'object' };
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    expect(findings.filter((f) => f.ruleId === 'R13')).toHaveLength(3);
    expect(findings.filter((f) => f.ruleId === 'R13' || f.ruleId === 'R29').every((f) => f.severity === 'warning')).toBe(true);
    expect(findings.filter((f) => f.severity === 'error').map(formatFinding)).toEqual([]);
  });

  it('an operation with "responses": {} warns (R27) and neither the schema (R53) nor swagger-parser (X01) refuse it', async () => {
    const connector = loadEditable();
    op(connector.definition, STUB).responses = {};
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    expect(findings.filter((f) => f.ruleId === 'R27').map((f) => f.severity)).toEqual(['warning']);
    expect(findings.filter((f) => f.severity === 'error').map(formatFinding)).toEqual([]);
  });

  it('x-ms-pageable with a declared next link routed by updatenextlink passes (X08), also for @odata.nextLink', async () => {
    for (const name of ['nextLink', '@odata.nextLink']) {
      const connector = loadEditable();
      makePageable(connector, name, { declare: true, route: true });
      const findings = await validateConnectorFiles(toConnectorFiles(connector));
      expect(findings.map(formatFinding)).toEqual([]);
    }
  });

  it('a schema property named x-ms-visibility is a property, not the extension (R43)', async () => {
    const connector = loadEditable();
    connector.definition.definitions.Stub.properties['x-ms-visibility'] = { type: 'string', 'x-ms-summary': 'Visibility', description: 'A property of that name.' };
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    expect(findings.filter((f) => f.ruleId === 'R43').map(formatFinding)).toEqual([]);
  });
});

describe('schema allow-lists (R52, R53) accept what certified connectors legitimately use', () => {
  it('tolerates scriptOperations, connectionParameterSets, GlobalPerConnector and on-behalf-of login settings', async () => {
    const connector = loadEditable();
    connector.properties.properties.scriptOperations = ['GetStub'];
    connector.properties.properties.connectionParameterSets = { uiDefinition: { displayName: 'Authentication' }, values: [] };
    connector.properties.properties.connectionParameters.token = {
      type: 'oauthSetting',
      oAuthSettings: {
        identityProvider: 'aad',
        clientId: 'client',
        scopes: [],
        redirectMode: 'GlobalPerConnector',
        redirectUrl: 'https://global.consent.azure-apim.net/redirect',
        properties: { IsFirstParty: 'False', IsOnbehalfofLoginSupported: true, AzureActiveDirectoryResourceId: 'api://ensure' },
        customParameters: { resourceUri: { value: 'api://ensure' }, loginUri: { value: 'https://login.microsoftonline.com' }, tenantId: { value: 'common' }, enableOnbehalfOfLogin: { value: 'false' } },
      },
    };
    connector.script = 'using System;\nusing Newtonsoft.Json;\npublic class Script : ScriptBase { public override Task<HttpResponseMessage> ExecuteAsync() { return null; } }';
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    expect(findings.filter((f) => f.ruleId === 'R52' || f.ruleId === 'R55').map(formatFinding)).toEqual([]);
  });

  it('tolerates x-ms-openai-data, info.x-ms-keywords, x-ms-editor, any format and x-ms-url-encoding on a header', async () => {
    const connector = loadEditable();
    connector.definition['x-ms-openai-data'] = { 'openai-enabled': true };
    connector.definition.info['x-ms-keywords'] = ['dataverse'];
    connector.definition.definitions.Stub['x-ms-editor'] = 'dictionary';
    param(connector.definition, STUB, 'stubId').format = 'guid';
    op(connector.definition, STUBS).parameters.push({ name: 'X-Tenant', in: 'header', type: 'string', 'x-ms-url-encoding': 'single', 'x-ms-summary': 'Tenant', description: 'A header.' });
    const findings = await validateConnectorFiles(toConnectorFiles(connector));
    expect(findings.filter((f) => f.ruleId === 'R53' || f.ruleId === 'X01').map(formatFinding)).toEqual([]);
  });

  it('tolerates policy templates the schema does not know (dynamicsubdomain) and aadcertificate on-behalf-of settings', async () => {
    const connector = loadEditable();
    connector.properties.properties.policyTemplateInstances.push({
      templateId: 'dynamicsubdomain',
      title: 'Set dynamic subdomain',
      parameters: { 'x-ms-apimTemplateParameter.urlTemplate': "https://@connectionParameters('hostUrl').example.com/" },
    });
    connector.properties.properties.connectionParameters.token = {
      type: 'oauthSetting',
      oAuthSettings: {
        identityProvider: 'aadcertificate',
        clientId: 'client',
        scopes: ['https://ensure.example.com/.default'],
        redirectMode: 'Global',
        redirectUrl: 'https://global.consent.azure-apim.net/redirect',
        properties: { IsFirstParty: 'True', AzureActiveDirectoryResourceId: 'https://ensure.example.com', IsOnbehalfofLoginSupported: true },
        customParameters: { loginUri: { value: 'https://login.microsoftonline.com' }, tenantId: { value: 'common' }, resourceUri: { value: 'https://ensure.example.com' }, enableOnbehalfOfLogin: { value: 'false' } },
      },
    };
    expect((await validateConnectorFiles(toConnectorFiles(connector))).filter((f) => f.ruleId === 'R52').map(formatFinding)).toEqual([]);
    connector.properties.properties.policyTemplateInstances.push({ templateId: 'dynamichosturl', title: 'A known template still checked', parameters: {} });
    expect((await validateConnectorFiles(toConnectorFiles(connector))).filter((f) => f.ruleId === 'R52').length).toBeGreaterThan(0);
  });
});
