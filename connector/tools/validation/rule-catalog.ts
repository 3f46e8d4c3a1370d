/**
 * Every rule the offline validator checks, written once: id, severity, source and the public page
 * that says so.
 *
 * Ids R01–R56 follow the team's offline checklist; ids starting with X are checks the checklist
 * does not number (swagger-parser, the settings and icon files, policy-template parameters).
 *
 * Calibration (README "Calibration"): a rule is an **error** only when a Microsoft source says import
 * or certification fails without it (`url`: a Microsoft Learn page or Microsoft's published JSON
 * schema) *and* certified connectors keep it. What certified connectors do anyway — measured with
 * `npm run connector:calibrate` over a sample of microsoft/PowerPlatformConnectors'
 * `certified-connectors/` — the platform evidently accepts, so it is a **warning**: the whole rule
 * (`severity: 'warning'`, `evidence` says why), or only the error codes listed in `warningCodes`
 * (each with its evidence) while the rule's other codes stay errors.
 */
export type Severity = 'error' | 'warning';

export interface RuleDefinition {
  readonly id: string;
  readonly severity: Severity;
  /** Default source label: source id and, where the source names one, its error code. */
  readonly source: string;
  /** The public page (Microsoft Learn) or Microsoft schema the rule comes from. */
  readonly url: string;
  readonly title: string;
  /** Why a rule Microsoft's pages list is only a warning: what certified connectors do. */
  readonly evidence?: string;
  /** Error codes of an error-level rule that certified connectors break: warnings, with the evidence. */
  readonly warningCodes?: Readonly<Record<string, string>>;
}

/** The Microsoft pages and schemas the rules cite. */
export const SOURCES = {
  /** Fix Swagger Validator errors: the certification validator's error codes. */
  S1: 'https://learn.microsoft.com/connectors/custom-connectors/certification-swagger-validator-rules',
  /** Certification submission: title, description, icon, metadata, 1 MB. */
  S2: 'https://learn.microsoft.com/connectors/custom-connectors/certification-submission',
  S3: 'https://learn.microsoft.com/connectors/custom-connectors/connector-string-guidance',
  S4: 'https://learn.microsoft.com/connectors/custom-connectors/openapi-extensions',
  S5: 'https://learn.microsoft.com/connectors/custom-connectors/create-webhook-trigger',
  S6: 'https://github.com/microsoft/PowerPlatformConnectors/blob/dev/schemas/apiDefinition.swagger.schema.json',
  S7: 'https://github.com/microsoft/PowerPlatformConnectors/blob/dev/schemas/paconn-apiProperties.schema.json',
  S11: 'https://learn.microsoft.com/connectors/custom-connectors/write-code',
  S12: 'https://learn.microsoft.com/azure/logic-apps/logic-apps-create-api-app',
  /** Create a custom connector from an OpenAPI definition: OpenAPI 2.0 only. */
  openApiImport: 'https://learn.microsoft.com/connectors/custom-connectors/define-openapi-definition',
  paconn: 'https://learn.microsoft.com/connectors/custom-connectors/paconn-cli',
  paconnSettings: 'https://github.com/microsoft/PowerPlatformConnectors/blob/dev/schemas/paconn-settings.schema.json',
  policyTemplates: 'https://learn.microsoft.com/connectors/custom-connectors/policy-templates',
} as const;

function rule(id: string, severity: Severity, source: string, url: string, title: string, extra: Pick<RuleDefinition, 'evidence' | 'warningCodes'> = {}): RuleDefinition {
  return { id, severity, source, url, title, ...extra };
}

/** How the sample is named in evidence strings. */
const SAMPLE = 'certified connectors (PowerPlatformConnectors certified-connectors/)';

export const RULES = {
  R01: rule('R01', 'error', 'S1 SpecificationVersionIncorrect', SOURCES.S1, 'swagger is "2.0"'),
  R02: rule('R02', 'error', 'S2', SOURCES.S2, 'info.title present, English'),
  R03: rule('R03', 'error', 'S2', SOURCES.S2, 'title at most 30 characters'),
  R04: rule('R04', 'error', 'S2', SOURCES.S2, 'title has no "API", "Connector" or Power Platform product name'),
  R05: rule('R05', 'error', 'S1 ValueMustEndWithAlphanumeric', SOURCES.S1, 'title ends alphanumeric (or ")")'),
  R06: rule('R06', 'error', 'S1 FieldLengthNotInRange', SOURCES.S1, 'info.description 30..500 characters'),
  R07: rule('R07', 'warning', 'S2', SOURCES.S2, 'title/description name no Power Platform product'),
  R08: rule('R08', 'error', 'S1 HostNameNotValid', SOURCES.S1, 'host present, host name only, optional :port'),
  R10: rule('R10', 'error', 'S1 BasePathNotValid', SOURCES.S1, 'basePath starts with "/"'),
  R11: rule('R11', 'error', 'S1 SchemesArrayEmpty', SOURCES.S1, 'schemes non-empty, only http/https'),
  R13: rule('R13', 'warning', 'S1 ConnectorMetadataPropertiesMissing', SOURCES.S2, 'x-ms-connector-metadata Website, Privacy policy, Categories', {
    evidence: `9 of 40 sampled ${SAMPLE} lack Website or Privacy policy or use another category spelling; the checklist measured 7–17 % of all.`,
  }),
  R14: rule('R14', 'warning', 'S2', SOURCES.S2, 'info.contact name/url/email'),
  R15: rule('R15', 'error', 'S1 OperationPathNotValid', SOURCES.S1, 'path template well formed, paths unique case-insensitively'),
  R17: rule('R17', 'error', 'S1 OperationIdRequired', SOURCES.S1, 'every operation has an operationId'),
  R18: rule('R18', 'warning', 'S1 OperationIdSanitized', SOURCES.S1, 'operationId alphanumeric'),
  R19: rule('R19', 'error', 'S2', SOURCES.S2, 'visible operation has a summary', {
    warningCodes: { InternalOperationSummaryMissing: `internal operations without a summary: AzureIoTCentral (14) among sampled ${SAMPLE}; makers never see them.` },
  }),
  R20: rule('R20', 'error', 'S1 OperationSummaryTooLong', SOURCES.S1, 'summary at most 80 characters'),
  R21: rule('R21', 'error', 'S1 RestrictedCharactersInSummary', SOURCES.S1, 'summary ends alphanumeric or ")", no "/"'),
  R23: rule('R23', 'warning', 'S2', SOURCES.S2, 'summary only letters, digits, spaces, parentheses'),
  R24: rule('R24', 'warning', 'S2', SOURCES.S2, 'operation description present'),
  R25: rule('R25', 'warning', 'S2', SOURCES.S2, 'operation description is a sentence ending in punctuation'),
  R26: rule('R26', 'warning', 'S3', SOURCES.S3, 'summary differs from description'),
  R27: rule('R27', 'warning', 'S1 OperationMustHaveResponse', SOURCES.S1, 'at least one response', {
    evidence: `webhook subscribe and internal operations with "responses": {} in 3 of 40 sampled ${SAMPLE} (Aletheia, AzureIoTCentral, tyntec-Viber).`,
  }),
  R28: rule('R28', 'warning', 'S1 OperationShouldHaveSuccessfulResponse', SOURCES.S1, 'at least one 2xx response'),
  R29: rule('R29', 'warning', 'S1 DefaultResponseHasSchema', SOURCES.S1, '"default" response has no schema', {
    evidence: `4 of 40 sampled ${SAMPLE} (easyvistaselfhelp, Elfsquad_Data, Formstack_Forms, Socialinsider) put a schema on "default".`,
  }),
  R30: rule('R30', 'warning', 'S1 SchemaDefinitionSetIncorrectly', SOURCES.S1, 'visible action has a schema on 200/201'),
  R31: rule('R31', 'warning', 'S1 OperationHasManyResponsesWithSchema', SOURCES.S1, 'only one success response has a schema'),
  R32: rule('R32', 'error', 'S1 PathParameterMustBeRequired', SOURCES.S1, 'path parameters required and matching the template'),
  R33: rule('R33', 'error', 'S1 OperationParametersContainMultipleBodyParameters', SOURCES.S1, 'at most one body parameter, not both body and formData, file only in formData'),
  R34: rule('R34', 'error', 'S1 ConnectionIdParameterNotAllowed', SOURCES.S1, 'no parameter named connectionId'),
  R35: rule('R35', 'error', 'S1 BodyParameterSchemaRequired', SOURCES.S1, 'body parameter has a schema'),
  R36: rule('R36', 'warning', 'S2', SOURCES.S2, 'visible parameter has x-ms-summary (Title Case, at most 80 characters)'),
  R37: rule('R37', 'warning', 'S2', SOURCES.S2, 'visible parameter has a description'),
  R39: rule('R39', 'error', 'S1 BodyOrFormDataParameterInFetchOperationNotAllowed', SOURCES.S1, 'GET has no body or formData'),
  R40: rule('R40', 'error', 'S1 NotificationUrlNotInternal', SOURCES.S1, 'webhook notification URL property rules', {
    warningCodes: {
      NotificationUrlNotRequired: `optional notification URL properties in 4 of 40 sampled ${SAMPLE} (Aletheia, Alkymi, Elfsquad_Data, tyntec-Viber).`,
      NotificationUrlNotAllowedInThisPosition: `a definition with x-ms-notification-url also used in a response: AzureIoTCentral among sampled ${SAMPLE}.`,
    },
  }),
  R41: rule('R41', 'error', 'S1 OperationIdNotUnique', SOURCES.S1, 'operationId unique'),
  R42: rule('R42', 'warning', 'S5', SOURCES.S5, 'webhook connector has a DELETE operation; subscribe answers 201 + Location'),
  R43: rule('R43', 'error', 'S4', SOURCES.S4, 'x-ms-trigger and x-ms-visibility values'),
  R44: rule('R44', 'error', 'S1 OperationIdNotFound', SOURCES.S1, 'dynamic and testConnection operationIds exist, their parameters resolve', {
    warningCodes: {
      InvokedOperationShouldProduceProperty: `value-path into a response the called operation does not describe: Elfsquad_Data, Emigo among sampled ${SAMPLE} (the designer reads the live response).`,
    },
  }),
  R45: rule('R45', 'warning', 'S1 DynamicListExtensionRequiredForNonParameterReferences', SOURCES.S1, 'x-ms-dynamic-list / x-ms-dynamic-properties where references need them'),
  R46: rule('R46', 'error', 'S1 SchemaReferenceNotValid', SOURCES.S1, '$ref only to #/definitions, #/parameters, #/responses; resolvable; no loops', {
    warningCodes: {
      AdditionalPropertyNotAllowedAdjacentToRef: `x-ms-summary, description or x-ms-visibility beside $ref: AzureIoTCentral, CivicPlus among sampled ${SAMPLE}.`,
    },
  }),
  R47: rule('R47', 'error', 'S1 RequiredPropertyDefinitionMissing', SOURCES.S1, '"required" non-empty, names defined', {
    warningCodes: { RequiredPropertyNotOnObject: `"required" on an array schema: IN-D_KYC-India among sampled ${SAMPLE}.` },
  }),
  R48: rule('R48', 'error', 'S1 MimeTypeNotValid', SOURCES.S1, 'consumes/produces are media types (type/subtype)', {
    warningCodes: {
      MimeTypeNotSupported: `application/pdf, application/octet-stream, application/zip, text/json, */* in 5 of 40 sampled ${SAMPLE} (CivicPlus, Cognito_Forms, Lex_Power_Sign, SignHost, SignNow).`,
    },
  }),
  R49: rule('R49', 'error', 'S1 SecuritySchemePropertyRequired', SOURCES.S1, 'security definitions complete', {
    warningCodes: {
      SecurityRequirementMustBeDefined: `"security" naming schemes securityDefinitions lacks: EleadSalesOpportunities among sampled ${SAMPLE} (the connection's auth comes from apiProperties).`,
      OAuthSecurityRequirementValueMustBeScopeName: `undeclared OAuth scope names in "security": Talkdesk among sampled ${SAMPLE}.`,
    },
  }),
  R50: rule('R50', 'error', 'S2', SOURCES.S2, 'iconBrandColor #rrggbb, not #007ee5 or #ffffff'),
  R51: rule('R51', 'warning', 'S2', SOURCES.S2, 'apiProperties publisher and stackOwner present'),
  R52: rule('R52', 'error', 'S7', SOURCES.S7, 'apiProperties.json valid against the paconn schema (with allow-list)'),
  R53: rule('R53', 'error', 'S6', SOURCES.S6, 'apiDefinition.swagger.json valid against the connector schema (with allow-list)'),
  R54: rule('R54', 'error', 'S2', SOURCES.S2, 'definition smaller than 1 MB'),
  R55: rule('R55', 'error', 'S11', SOURCES.S11, 'script.csx structure'),
  R56: rule('R56', 'warning', 'S12', SOURCES.S12, '202 responses declare Location (and Retry-After)'),
  X01: rule('X01', 'error', 'openapi-import', SOURCES.openApiImport, 'valid Swagger 2.0 (OpenAPI 2.0), checked by @apidevtools/swagger-parser'),
  X02: rule('X02', 'error', 'S2 icon', SOURCES.S2, 'icon.png 230x230 PNG on a non-white, non-transparent, non-#007ee5 background'),
  X03: rule('X03', 'error', 'paconn-settings.schema.json', SOURCES.paconnSettings, 'settings.json valid against the paconn settings schema'),
  X04: rule('X04', 'warning', 'policy-templates', SOURCES.policyTemplates, 'policy templates refer to declared connection parameters', {
    evidence: `no Microsoft page says import fails; EBMS among sampled ${SAMPLE} names connection parameters in another case.`,
  }),
  X05: rule('X05', 'error', 'paconn-cli', SOURCES.paconn, 'connector files present and parseable JSON'),
  X07: rule('X07', 'warning', 'S3', SOURCES.S3, 'visible body and response properties have an x-ms-summary'),
  X08: rule('X08', 'error', 'S1 InvalidNextLinkNameValue', SOURCES.S1, 'x-ms-pageable: nextLinkName is nextLink or @odata.nextLink, declared in the response, routed by updatenextlink', {
    warningCodes: {
      NextLinkPropertyMissing: `a pageable operation whose response schema lacks the next link: Emigo (GetItems, GetODataItems) among sampled ${SAMPLE}; the connector schema only describes it.`,
      NextLinkNotRouted: `x-ms-pageable without an updatenextlink policy template: Emigo among sampled ${SAMPLE}; the connector schema asks for one (S6), no page says import fails.`,
    },
  }),
  X06: rule('X06', 'warning', 'paconn-cli', SOURCES.paconn, 'icon.png present (the platform shows a default icon otherwise)'),
} as const satisfies Record<string, RuleDefinition>;

export type RuleId = keyof typeof RULES;

/** A finding's severity: the rule's, or warning for the codes certified connectors break. */
export function severityOf(id: RuleId, code?: string): Severity {
  const definition: RuleDefinition = RULES[id];
  if (code !== undefined && definition.warningCodes?.[code] !== undefined) return 'warning';
  return definition.severity;
}
