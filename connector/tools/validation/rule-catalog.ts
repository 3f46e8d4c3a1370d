/**
 * Every rule the offline validator checks, written once: id, severity and source.
 *
 * Ids R01–R56 and their severities are the team's offline checklist
 * (shared/reference/connector/CHECKLIST.md). Sources:
 * - S1 certification-swagger-validator-rules (error code names come from here)
 * - S2 certification-submission · S3 connector-string-guidance · S4 openapi-extensions
 * - S5 create-webhook-trigger · S10 test-connection · S11 write-code
 * - S6 PowerPlatformConnectors schemas/apiDefinition.swagger.schema.json
 * - S7 PowerPlatformConnectors schemas/paconn-apiProperties.schema.json
 * - S8 PowerPlatformConnectors pull_request_template.md · S9 PowerPlatformConnectors README.md
 * - S12 logic-apps-create-api-app (the 202 asynchronous pattern)
 *
 * Ids starting with X are checks the brief asks for that the checklist does not number
 * (swagger-parser, the settings and icon files, policy-template parameters).
 *
 * Severity "E new / W old" (R13, R29): certification treats these as errors for new submissions
 * and tolerates them in connectors certified earlier (7–17% and 1.7% of certified connectors break
 * them). This validator checks a new submission (ours), so they are errors by default; the
 * `legacy` option (CLI `--legacy`) reports them as warnings for a connector certified before.
 */
export type Severity = 'error' | 'warning';

export interface RuleDefinition {
  readonly id: string;
  readonly severity: Severity;
  /** Severity under the `legacy` option, for the "E new / W old" rules. */
  readonly legacySeverity?: Severity;
  /** Default source label: source id and, where the source names one, its error code. */
  readonly source: string;
  readonly title: string;
}

function rule(id: string, severity: Severity, source: string, title: string, legacySeverity?: Severity): RuleDefinition {
  return legacySeverity ? { id, severity, source, title, legacySeverity } : { id, severity, source, title };
}

export const RULES = {
  R01: rule('R01', 'error', 'S1 SpecificationVersionIncorrect', 'swagger is "2.0"'),
  R02: rule('R02', 'error', 'S2', 'info.title present, English'),
  R03: rule('R03', 'error', 'S2', 'title at most 30 characters'),
  R04: rule('R04', 'error', 'S2', 'title has no "API", "Connector" or Power Platform product name'),
  R05: rule('R05', 'error', 'S1 ValueMustEndWithAlphanumeric', 'title ends alphanumeric (or ")")'),
  R06: rule('R06', 'error', 'S1 FieldLengthNotInRange', 'info.description 30..500 characters'),
  R07: rule('R07', 'warning', 'S2', 'title/description name no Power Platform product'),
  R08: rule('R08', 'error', 'S1 HostNameNotValid', 'host present, host name only, optional :port'),
  R10: rule('R10', 'error', 'S1 BasePathNotValid', 'basePath starts with "/"'),
  R11: rule('R11', 'error', 'S1 SchemesArrayEmpty', 'schemes non-empty, only http/https'),
  R13: rule('R13', 'error', 'S1 ConnectorMetadataPropertiesMissing', 'x-ms-connector-metadata Website, Privacy policy, Categories', 'warning'),
  R14: rule('R14', 'warning', 'S2', 'info.contact name/url/email'),
  R15: rule('R15', 'error', 'S1 OperationPathNotValid', 'path template well formed, paths unique case-insensitively'),
  R17: rule('R17', 'error', 'S1 OperationIdRequired', 'every operation has an operationId'),
  R18: rule('R18', 'warning', 'S1 OperationIdSanitized', 'operationId alphanumeric'),
  R19: rule('R19', 'error', 'S2', 'operation summary present'),
  R20: rule('R20', 'error', 'S1 OperationSummaryTooLong', 'summary at most 80 characters'),
  R21: rule('R21', 'error', 'S1 RestrictedCharactersInSummary', 'summary ends alphanumeric or ")", no "/"'),
  R23: rule('R23', 'warning', 'S2', 'summary only letters, digits, spaces, parentheses'),
  R24: rule('R24', 'warning', 'S2', 'operation description present'),
  R25: rule('R25', 'warning', 'S2', 'operation description is a sentence ending in punctuation'),
  R26: rule('R26', 'warning', 'S3', 'summary differs from description'),
  R27: rule('R27', 'error', 'S1 OperationMustHaveResponse', 'at least one response'),
  R28: rule('R28', 'warning', 'S1 OperationShouldHaveSuccessfulResponse', 'at least one 2xx response'),
  R29: rule('R29', 'error', 'S1 DefaultResponseHasSchema', '"default" response has no schema', 'warning'),
  R30: rule('R30', 'warning', 'S1 SchemaDefinitionSetIncorrectly', 'visible action has a schema on 200/201'),
  R31: rule('R31', 'warning', 'S1 OperationHasManyResponsesWithSchema', 'only one success response has a schema'),
  R32: rule('R32', 'error', 'S1 PathParameterMustBeRequired', 'path parameters required and matching the template'),
  R33: rule('R33', 'error', 'S1 OperationParametersContainMultipleBodyParameters', 'at most one body parameter, not both body and formData, file only in formData'),
  R34: rule('R34', 'error', 'S1 ConnectionIdParameterNotAllowed', 'no parameter named connectionId'),
  R35: rule('R35', 'error', 'S1 BodyParameterSchemaRequired', 'body parameter has a schema'),
  R36: rule('R36', 'warning', 'S2', 'visible parameter has x-ms-summary (Title Case, at most 80 characters)'),
  R37: rule('R37', 'warning', 'S2', 'visible parameter has a description'),
  R39: rule('R39', 'error', 'S1 BodyOrFormDataParameterInFetchOperationNotAllowed', 'GET has no body or formData'),
  R40: rule('R40', 'error', 'S1 NotificationUrlNotRequired', 'webhook notification URL property rules'),
  R41: rule('R41', 'error', 'S1 OperationIdNotUnique', 'operationId unique'),
  R42: rule('R42', 'warning', 'S5', 'webhook connector has a DELETE operation; subscribe answers 201 + Location'),
  R43: rule('R43', 'error', 'S4', 'x-ms-trigger and x-ms-visibility values'),
  R44: rule('R44', 'error', 'S1 OperationIdNotFound', 'dynamic and testConnection operationIds exist, their parameters resolve'),
  R45: rule('R45', 'warning', 'S1 DynamicListExtensionRequiredForNonParameterReferences', 'x-ms-dynamic-list / x-ms-dynamic-properties where references need them'),
  R46: rule('R46', 'error', 'S1 SchemaReferenceNotValid', '$ref only to #/definitions, #/parameters, #/responses; no siblings; no loops'),
  R47: rule('R47', 'error', 'S1 RequiredPropertyDefinitionMissing', '"required" only on objects, non-empty, names defined'),
  R48: rule('R48', 'error', 'S1 MimeTypeNotValid', 'supported MIME types only'),
  R49: rule('R49', 'error', 'S1 SecurityRequirementMustBeDefined', 'security definitions complete and referenced ones exist'),
  R50: rule('R50', 'error', 'S7', 'iconBrandColor #rrggbb, not #007ee5 or #ffffff'),
  R51: rule('R51', 'warning', 'S2', 'apiProperties publisher and stackOwner present'),
  R52: rule('R52', 'error', 'S7', 'apiProperties.json valid against the paconn schema (with allow-list)'),
  R53: rule('R53', 'error', 'S6', 'apiDefinition.swagger.json valid against the connector schema (with allow-list)'),
  R54: rule('R54', 'error', 'S2', 'definition smaller than 1 MB'),
  R55: rule('R55', 'error', 'S11', 'script.csx structure'),
  R56: rule('R56', 'warning', 'S12', '202 responses declare Location (and Retry-After)'),
  X01: rule('X01', 'error', 'swagger-parser', 'Swagger 2.0 validation by @apidevtools/swagger-parser'),
  X02: rule('X02', 'error', 'S2 icon', 'icon.png 230x230 PNG on a non-white, non-transparent, non-#007ee5 background'),
  X03: rule('X03', 'error', 'paconn-settings.schema.json', 'settings.json valid against the paconn settings schema'),
  X04: rule('X04', 'error', 'S7 policyTemplateInstances', 'policy templates refer to existing connection parameters'),
  X05: rule('X05', 'error', 'paconn-cli', 'connector files present and parseable JSON'),
  X07: rule('X07', 'warning', 'S3', 'visible body and response properties have an x-ms-summary'),
  X06: rule('X06', 'warning', 'paconn-cli', 'icon.png present (the platform shows a default icon otherwise)'),
} as const satisfies Record<string, RuleDefinition>;

export type RuleId = keyof typeof RULES;

export function severityOf(id: RuleId, legacy: boolean): Severity {
  const definition: RuleDefinition = RULES[id];
  return legacy && definition.legacySeverity ? definition.legacySeverity : definition.severity;
}
