/**
 * Builds apiProperties.json: the brand colour, the connection parameters a user fills in when
 * creating a connection, and the policy that sends every call to the host they entered.
 *
 * - `api_key` (securestring): the value the platform sends in the X-API-Key header that the
 *   definition's apiKey securityDefinition names (connection-parameters.md, "Api Key based").
 * - `hostUrl` (string): the API's base URL, e.g. https://ensure.contoso.com. The `dynamichosturl`
 *   policy template replaces the definition's placeholder scheme + host + basePath with
 *   `x-ms-apimTemplateParameter.urlTemplate` (shape: paconn schema
 *   PolicyTemplateInstance-dynamichosturl; certified example: RAPID Platform). Our definition keeps
 *   basePath "/" and the API's real paths (/v1/…), so the template is the parameter alone and one
 *   connector works for every deployment.
 * - `updatenextlink`, one per `nextLinkName`, on the operations marked `x-ms-pageable`: the platform
 *   rewrites the `nextLink` of their answers so that the action's *Pagination* setting fetches the
 *   next page through the connector (with the connection's host and key) instead of straight from
 *   the link (shape: paconn schema PolicyTemplateInstance-updatenextlink). README "Paging".
 */
import { BRAND_COLOR } from './brand';
import { operationsOf, type JsonObject } from './validation/swagger-model';
import { entraIdConnectionParameter, TOKEN_CONNECTION_PARAMETER, type EntraIdSettings, type SecurityVariant } from './security-variants';

export const CONNECTION_PARAMETERS = {
  apiKey: 'api_key',
  hostUrl: 'hostUrl',
} as const;

export interface ApiPropertiesOptions {
  readonly brandColor?: string;
  /** Company publishing the connector (certification, S2 step 3a). */
  readonly publisher?: string;
  /** Company owning the API behind it. */
  readonly stackOwner?: string;
  /** `api-key` (default): an `api_key` securestring; `entra-id`: an `aad` oauthSetting `token` instead. */
  readonly security?: SecurityVariant;
  /** The app registrations of the entra-id variant; placeholders by default. */
  readonly entraId?: EntraIdSettings;
  /** The operations marked `x-ms-pageable` (`pageableOperations(definition)`): each gets `updatenextlink`. */
  readonly pageable?: readonly PageableOperation[];
}

export interface PageableOperation {
  readonly operationId: string;
  readonly nextLinkName: string;
}

/** The operations of a definition that carry `x-ms-pageable`, in the definition's order. */
export function pageableOperations(definition: JsonObject): PageableOperation[] {
  return operationsOf(definition).flatMap(({ operation }) => {
    const pageable = operation['x-ms-pageable'];
    const operationId = operation['operationId'];
    if (typeof pageable !== 'object' || pageable === null || typeof operationId !== 'string') return [];
    const nextLinkName = (pageable as Record<string, unknown>)['nextLinkName'];
    return typeof nextLinkName === 'string' ? [{ operationId, nextLinkName }] : [];
  });
}

/** One `updatenextlink` per next-link property name, naming its operations. */
function nextLinkPolicies(pageable: readonly PageableOperation[]): Record<string, unknown>[] {
  const byName = new Map<string, string[]>();
  for (const { operationId, nextLinkName } of pageable) byName.set(nextLinkName, [...(byName.get(nextLinkName) ?? []), operationId]);
  return [...byName].map(([nextLinkName, operationIds]) => ({
    templateId: 'updatenextlink',
    title: 'Route the next page link through the connector',
    parameters: {
      'x-ms-apimTemplate-operationName': operationIds,
      'x-ms-apimTemplateParameter.nextLinkPropertyName': nextLinkName,
    },
  }));
}

export interface ApiProperties {
  readonly properties: {
    readonly connectionParameters: Record<string, unknown>;
    readonly iconBrandColor: string;
    readonly capabilities: readonly string[];
    readonly policyTemplateInstances: readonly Record<string, unknown>[];
    readonly publisher: string;
    readonly stackOwner: string;
  };
}

export function buildApiProperties(options: ApiPropertiesOptions = {}): ApiProperties {
  return {
    properties: {
      connectionParameters: {
        [CONNECTION_PARAMETERS.hostUrl]: {
          type: 'string',
          uiDefinition: {
            displayName: 'API base URL',
            description: 'The base URL of your Dataverse Ensure service, without a trailing slash.',
            tooltip: 'For example https://ensure.contoso.com',
            constraints: { required: 'true', tabIndex: 1 },
          },
        },
        ...(options.security === 'entra-id'
          ? { [TOKEN_CONNECTION_PARAMETER]: entraIdConnectionParameter(options.entraId) }
          : {
              [CONNECTION_PARAMETERS.apiKey]: {
                type: 'securestring',
                uiDefinition: {
                  displayName: 'API key',
                  description: 'The API key the service accepts in the X-API-Key header.',
                  tooltip: 'Provide the API key of your Dataverse Ensure service',
                  constraints: { clearText: false, required: 'true', tabIndex: 2 },
                },
              },
            }),
      },
      iconBrandColor: options.brandColor ?? BRAND_COLOR,
      capabilities: ['actions', 'triggers'],
      policyTemplateInstances: [
        {
          templateId: 'dynamichosturl',
          title: 'Send requests to the API base URL of the connection',
          parameters: {
            'x-ms-apimTemplateParameter.urlTemplate': `@connectionParameters('${CONNECTION_PARAMETERS.hostUrl}')`,
          },
        },
        ...nextLinkPolicies(options.pageable ?? []),
      ],
      publisher: options.publisher ?? 'Dataverse Ensure',
      stackOwner: options.stackOwner ?? 'Dataverse Ensure',
    },
  };
}
