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
 */
import { BRAND_COLOR } from './brand';
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
      ],
      publisher: options.publisher ?? 'Dataverse Ensure',
      stackOwner: options.stackOwner ?? 'Dataverse Ensure',
    },
  };
}
