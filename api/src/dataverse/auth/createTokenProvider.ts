import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from '@azure/identity';
import { InvalidDataverseInputError } from '../DataverseErrors';
import { CredentialTokenProvider } from './CredentialTokenProvider';
import { LocalUserTokenProvider } from './LocalUserTokenProvider';
import { NoTokenProvider, type TokenProvider } from './TokenProvider';

/**
 * How the client authenticates to one environment. Secrets arrive here from configuration (which
 * reads them from the environment); nothing in this module logs them.
 *
 * - `none`: no Authorization header (the local Dataverse).
 * - `clientSecret`: app registration + secret (`ClientSecretCredential`).
 * - `clientCertificate`: app registration + PEM certificate with its private key, as a file path or
 *   the PEM text (`ClientCertificateCredential`).
 * - `default`: `DefaultAzureCredential` — managed identity on Azure (optionally a user-assigned one by
 *   client id), environment variables or a developer login elsewhere.
 * - `localUser`: a made-up application user of the local Dataverse, by name (an unsigned token; only
 *   to an `http://` loopback URL).
 */
export type DataverseAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'clientSecret'; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  | {
      readonly kind: 'clientCertificate';
      readonly tenantId: string;
      readonly clientId: string;
      readonly certificatePath?: string;
      readonly certificatePem?: string;
      readonly certificatePassword?: string;
      /** Send the x5c chain (subject name + issuer authentication). */
      readonly sendCertificateChain?: boolean;
    }
  | { readonly kind: 'default'; readonly managedIdentityClientId?: string; readonly tenantId?: string }
  | { readonly kind: 'localUser'; readonly name: string };

/** Builds `@azure/identity` credentials; replaced by a fake in tests (Entra ID is unreachable here). */
export interface CredentialFactory {
  clientSecret(tenantId: string, clientId: string, clientSecret: string): TokenCredential;
  clientCertificate(
    tenantId: string,
    clientId: string,
    certificate: { certificatePath: string; certificatePassword?: string } | { certificate: string; certificatePassword?: string },
    sendCertificateChain: boolean,
  ): TokenCredential;
  default(options: { managedIdentityClientId?: string; tenantId?: string }): TokenCredential;
}

export const azureIdentityCredentials: CredentialFactory = {
  clientSecret: (tenantId, clientId, clientSecret) => new ClientSecretCredential(tenantId, clientId, clientSecret),
  clientCertificate: (tenantId, clientId, certificate, sendCertificateChain) =>
    'certificatePath' in certificate
      ? new ClientCertificateCredential(tenantId, clientId, certificate, { sendCertificateChain })
      : new ClientCertificateCredential(tenantId, clientId, certificate, { sendCertificateChain }),
  default: ({ managedIdentityClientId, tenantId }) =>
    managedIdentityClientId === undefined
      ? new DefaultAzureCredential(tenantId === undefined ? {} : { tenantId })
      : new DefaultAzureCredential({ managedIdentityClientId, ...(tenantId === undefined ? {} : { tenantId }) }),
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for `http://127.0.0.1`, `http://localhost`, `http://[::1]` (any port): the local Dataverse. */
export function isLocalEnvironmentUrl(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** The token scope of an environment: `<origin>/.default`, e.g. `https://org.crm.dynamics.com/.default`. */
export function dataverseScope(environmentUrl: URL): string {
  return `${environmentUrl.origin}/.default`;
}

/**
 * Picks the token provider for an environment.
 * - No `auth`: http (the local Dataverse, or another http test double) → no token;
 *   https → `DefaultAzureCredential` (managed identity in Azure).
 * - Credentials with an http URL are refused: a bearer token never travels in clear text.
 */
export function createTokenProvider(
  environmentUrl: string | URL,
  auth?: DataverseAuth,
  credentials: CredentialFactory = azureIdentityCredentials,
): TokenProvider {
  const url = new URL(environmentUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidDataverseInputError(`environment URL must be http or https; got ${url.protocol}`);
  }
  const effective: DataverseAuth = auth ?? (url.protocol === 'http:' ? { kind: 'none' } : { kind: 'default' });
  if (effective.kind === 'none') return new NoTokenProvider();
  if (effective.kind === 'localUser') {
    // An unsigned token is worthless to anyone but the local Dataverse, and must not reach anyone else.
    if (!isLocalEnvironmentUrl(url)) throw new InvalidDataverseInputError(`localUser auth is only for the local Dataverse (an http:// loopback URL); got ${url.origin}`);
    if (typeof effective.name !== 'string' || effective.name.trim() === '') throw new InvalidDataverseInputError('localUser auth needs a name');
    return new LocalUserTokenProvider(effective.name);
  }
  if (url.protocol !== 'https:') {
    throw new InvalidDataverseInputError(`credentials (${effective.kind}) need an https environment URL; ${url.origin} is ${url.protocol}`);
  }
  const scope = dataverseScope(url);
  switch (effective.kind) {
    case 'clientSecret':
      requireText({ tenantId: effective.tenantId, clientId: effective.clientId, clientSecret: effective.clientSecret }, 'clientSecret');
      return new CredentialTokenProvider(credentials.clientSecret(effective.tenantId, effective.clientId, effective.clientSecret), scope);
    case 'clientCertificate': {
      requireText({ tenantId: effective.tenantId, clientId: effective.clientId }, 'clientCertificate');
      const password = effective.certificatePassword === undefined ? {} : { certificatePassword: effective.certificatePassword };
      let certificate: { certificatePath: string; certificatePassword?: string } | { certificate: string; certificatePassword?: string };
      if (effective.certificatePath && !effective.certificatePem) certificate = { certificatePath: effective.certificatePath, ...password };
      else if (effective.certificatePem && !effective.certificatePath) certificate = { certificate: effective.certificatePem, ...password };
      else throw new InvalidDataverseInputError('clientCertificate auth needs exactly one of certificatePath or certificatePem');
      return new CredentialTokenProvider(
        credentials.clientCertificate(effective.tenantId, effective.clientId, certificate, effective.sendCertificateChain ?? false),
        scope,
      );
    }
    case 'default':
      return new CredentialTokenProvider(
        credentials.default({
          ...(effective.managedIdentityClientId === undefined ? {} : { managedIdentityClientId: effective.managedIdentityClientId }),
          ...(effective.tenantId === undefined ? {} : { tenantId: effective.tenantId }),
        }),
        scope,
      );
  }
}

function requireText(values: Record<string, string>, kind: string): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' || value.trim() === '') throw new InvalidDataverseInputError(`${kind} auth needs ${name}`);
  }
}
