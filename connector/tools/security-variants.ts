/**
 * The two ways a connection authenticates, each a generated connector variant from the same
 * annotations:
 *
 * - `api-key` (connector/): the `X-API-Key` header, the only authentication the API itself checks.
 * - `entra-id` (connector/entra-id/): OAuth 2.0 authorization code with the `aad` identity provider
 *   (azure-active-directory-authentication.md; shape of RAPID Platform, a certified connector with an
 *   `aad` token plus its own host connection parameters). The connection signs the user in to Entra ID
 *   and sends `Authorization: Bearer <token>` for the API's app registration. The API does not validate
 *   Entra ID tokens: this variant is for tenants that front the API with something that does (Azure API
 *   Management `validate-jwt`, App Service authentication) and that then calls the API with its key.
 */
export type SecurityVariant = 'api-key' | 'entra-id';

export const SECURITY_VARIANTS: readonly SecurityVariant[] = ['api-key', 'entra-id'];

/** Where each variant is written, relative to the repository's connector/ folder. */
export const VARIANT_FOLDERS: Readonly<Record<SecurityVariant, string>> = { 'api-key': '.', 'entra-id': 'entra-id' };

export interface EntraIdSettings {
  /** Application (client) ID of the app registration the connector signs in with. */
  readonly clientId: string;
  /** Application ID URI (or client ID) of the app registration that represents the API. */
  readonly resourceUri: string;
  /** `common` (any tenant) or one tenant's ID. */
  readonly tenantId: string;
  readonly loginUri: string;
}

/**
 * Placeholders until a tenant builds its own copy (`--entra-client-id`, `--entra-resource-uri`,
 * `--entra-tenant-id`): they are obviously not real values, and portal import shows them on the
 * Security tab to be replaced.
 */
export const ENTRA_ID_PLACEHOLDERS: EntraIdSettings = {
  clientId: '[[ENTRA_ID_CLIENT_ID]]',
  resourceUri: '[[ENTRA_ID_API_APPLICATION_ID_URI]]',
  tenantId: 'common',
  loginUri: 'https://login.microsoftonline.com',
};

export const OAUTH_SECURITY_NAME = 'oauth2_auth';
/** The connection parameter of type oauthSetting; the platform names the token parameter `token`. */
export const TOKEN_CONNECTION_PARAMETER = 'token';

/** The Swagger 2.0 securityDefinition of the Entra ID variant (what the portal generates for "Azure AD"). */
export function entraIdSecurityDefinition(settings: EntraIdSettings = ENTRA_ID_PLACEHOLDERS): Record<string, unknown> {
  return {
    type: 'oauth2',
    flow: 'accessCode',
    authorizationUrl: `${settings.loginUri}/${settings.tenantId}/oauth2/authorize`,
    tokenUrl: `${settings.loginUri}/${settings.tenantId}/oauth2/token`,
    scopes: {},
  };
}

/** The apiProperties connection parameter holding the Entra ID sign-in. */
export function entraIdConnectionParameter(settings: EntraIdSettings = ENTRA_ID_PLACEHOLDERS): Record<string, unknown> {
  return {
    type: 'oauthSetting',
    oAuthSettings: {
      identityProvider: 'aad',
      clientId: settings.clientId,
      scopes: [],
      redirectMode: 'Global',
      redirectUrl: 'https://global.consent.azure-apim.net/redirect',
      properties: { IsFirstParty: 'False' },
      customParameters: {
        loginUri: { value: settings.loginUri },
        tenantId: { value: settings.tenantId },
        resourceUri: { value: settings.resourceUri },
      },
    },
  };
}
