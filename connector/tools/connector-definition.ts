/**
 * What the connector definition adds to the API's own annotations, written once: the info block,
 * connector metadata, API-key security, and the post-processing that turns swagger-jsdoc output
 * into apiDefinition.swagger.json.
 */
import { CONNECTOR_TITLE } from './brand';
import { entraIdSecurityDefinition, OAUTH_SECURITY_NAME, type EntraIdSettings, type SecurityVariant } from './security-variants';
import { stableJson, preferredFirst, type ArrangeKeys } from './stable-json';
import { isObject, operationsOf, parametersOf, type JsonObject } from './validation/swagger-model';

/**
 * The definition's host is a placeholder that never resolves (RFC 2606 `.invalid`): the
 * `dynamichosturl` policy sends every call to the connection's `hostUrl`. Someone importing the
 * definition without apiProperties.json sees at once that the host must be set.
 */
export const HOST_PLACEHOLDER = 'dataverse-ensure.invalid';

/**
 * basePath stays "/" and operation paths keep the API's own prefix (/v1/…): the dynamichosturl
 * policy replaces the whole base URL with the connection's hostUrl, so the paths must carry the
 * rest, whatever the policy does with basePath.
 */
export const BASE_PATH = '/';

export const API_KEY_SECURITY = { name: 'api_key', header: 'X-API-Key' } as const;

export interface ConnectorMetadata {
  readonly website: string;
  readonly privacyPolicy: string;
  /** At most two, from the certification list (checklist R13). */
  readonly categories: readonly string[];
}

/**
 * Website and privacy policy are placeholders until the product has public pages; the build
 * accepts real ones (options of buildConnector, CLI flags).
 */
export const DEFAULT_METADATA: ConnectorMetadata = {
  website: 'https://dataverse-ensure.invalid',
  privacyPolicy: 'https://dataverse-ensure.invalid/privacy',
  categories: ['Data', 'IT Operations'],
};

/** The swagger-jsdoc `definition`: everything but paths and schemas, which come from annotations. */
export function baseDefinition(metadata: ConnectorMetadata = DEFAULT_METADATA, version = '1.0.0'): JsonObject {
  return {
    swagger: '2.0',
    info: {
      title: CONNECTOR_TITLE,
      description:
        'Ensure that the records a write refers to exist in the target Dataverse instance: missing ones are created as tracked stubs that replication later hydrates, so writes between eventually consistent instances do not fail.',
      version,
      contact: { name: 'Dataverse Ensure', url: metadata.website, email: 'support@dataverse-ensure.invalid' },
    },
    'x-ms-connector-metadata': [
      { propertyName: 'Website', propertyValue: metadata.website },
      { propertyName: 'Privacy policy', propertyValue: metadata.privacyPolicy },
      { propertyName: 'Categories', propertyValue: metadata.categories.join(';') },
    ],
  };
}

export interface PostProcessOptions {
  /** operationId of the cheap authenticated GET for testConnection; default: see pickTestConnection. */
  readonly testConnectionOperationId?: string;
  /** `api-key` (default): X-API-Key apiKey security; `entra-id`: OAuth 2.0 (Entra ID) instead. */
  readonly security?: SecurityVariant;
  readonly entraId?: EntraIdSettings;
}

/**
 * testConnection needs a GET that runs with no or hard-coded parameters (S10). Unless one is
 * named, the first such GET in path order is used.
 */
export function pickTestConnection(definition: JsonObject, requested?: string): string {
  const candidates = operationsOf(definition).filter(
    (entry) => entry.method === 'get' && typeof entry.operation['operationId'] === 'string' && !parametersOf(definition, entry).some((p) => p.parameter['required'] === true),
  );
  if (requested !== undefined) {
    if (!operationsOf(definition).some((entry) => entry.operation['operationId'] === requested)) throw new Error(`testConnection operation "${requested}" is not in the annotations`);
    return requested;
  }
  const first = candidates.sort((a, b) => a.pathKey.localeCompare(b.pathKey))[0];
  if (!first) throw new Error('no GET operation without required parameters for testConnection: annotate one (a cheap authenticated GET)');
  return first.operation['operationId'] as string;
}

function sortedObject(value: unknown): JsonObject | undefined {
  if (!isObject(value) || Object.keys(value).length === 0) return undefined;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, value[key]]));
}

/**
 * swagger-jsdoc output → connector definition: placeholder host, https only, basePath "/",
 * JSON in and out, X-API-Key security, testConnection; empty sections dropped; paths and
 * definitions sorted so the file depends on content only.
 */
export function postProcessDefinition(raw: JsonObject, options: PostProcessOptions = {}): JsonObject {
  const definition: JsonObject = structuredClone(raw);
  delete definition['openapi'];
  definition['swagger'] = '2.0';
  definition['host'] = HOST_PLACEHOLDER;
  definition['basePath'] = BASE_PATH;
  definition['schemes'] = ['https'];
  definition['consumes'] ??= ['application/json'];
  definition['produces'] ??= ['application/json'];
  for (const section of ['paths', 'definitions', 'parameters', 'responses'] as const) {
    const sorted = sortedObject(definition[section]);
    if (sorted) definition[section] = sorted;
    else if (section === 'paths') definition[section] = {};
    else delete definition[section];
  }
  if (Array.isArray(definition['tags']) && definition['tags'].length === 0) delete definition['tags'];
  if (options.security === 'entra-id') {
    definition['securityDefinitions'] = { [OAUTH_SECURITY_NAME]: entraIdSecurityDefinition(options.entraId) };
    definition['security'] = [{ [OAUTH_SECURITY_NAME]: [] }];
  } else {
    definition['securityDefinitions'] = { [API_KEY_SECURITY.name]: { type: 'apiKey', in: 'header', name: API_KEY_SECURITY.header } };
    definition['security'] = [{ [API_KEY_SECURITY.name]: [] }];
  }
  definition['x-ms-capabilities'] = { testConnection: { operationId: pickTestConnection(definition, options.testConnectionOperationId), parameters: {} } };
  return definition;
}

const TOP_LEVEL_ORDER = [
  'swagger', 'info', 'host', 'basePath', 'schemes', 'consumes', 'produces', 'paths', 'definitions', 'parameters', 'responses',
  'securityDefinitions', 'security', 'tags', 'x-ms-connector-metadata', 'x-ms-capabilities',
];
const INFO_ORDER = ['title', 'description', 'version', 'contact'];
const OPERATION_ORDER = ['tags', 'summary', 'description', 'operationId', 'x-ms-visibility', 'x-ms-trigger', 'consumes', 'produces', 'parameters', 'responses'];

const arrangeDefinition: ArrangeKeys = (path, keys) => {
  if (path.length === 0) return preferredFirst(TOP_LEVEL_ORDER, keys);
  if (path.length === 1 && path[0] === 'info') return preferredFirst(INFO_ORDER, keys);
  if (path.length === 3 && path[0] === 'paths') return preferredFirst(OPERATION_ORDER, keys);
  return keys;
};

/** The text of apiDefinition.swagger.json. */
export function serializeDefinition(definition: JsonObject): string {
  return stableJson(definition, arrangeDefinition);
}
