import type { AccessToken, TokenCredential } from '@azure/identity';
import { ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import { CredentialTokenProvider, TOKEN_REFRESH_MARGIN_MS } from '../../../api/src/dataverse/auth/CredentialTokenProvider';
import {
  azureIdentityCredentials,
  type CredentialFactory,
  createTokenProvider,
  dataverseScope,
  isLocalEnvironmentUrl,
} from '../../../api/src/dataverse/auth/createTokenProvider';
import { NoTokenProvider } from '../../../api/src/dataverse/auth/TokenProvider';
import { InvalidDataverseInputError } from '../../../api/src/dataverse/DataverseErrors';

/** A credential that never reaches Entra ID: counts calls, records scopes, issues numbered tokens. */
class FakeCredential implements TokenCredential {
  calls = 0;
  scopes: string[] = [];
  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.calls += 1;
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: `token-${this.calls}`, expiresOnTimestamp: this.now() + this.lifetimeMs };
  }
}

function recordingFactory() {
  const made: Array<{ kind: string; args: unknown[] }> = [];
  let now = 0;
  const credential = new FakeCredential(3_600_000, () => now);
  const factory: CredentialFactory = {
    clientSecret: (...args) => (made.push({ kind: 'clientSecret', args }), credential),
    clientCertificate: (...args) => (made.push({ kind: 'clientCertificate', args }), credential),
    default: (...args) => (made.push({ kind: 'default', args }), credential),
  };
  return { factory, made, credential, setNow: (value: number) => (now = value) };
}

describe('token provider selection', () => {
  it('needs no token for the local Dataverse over http', async () => {
    const { factory, made } = recordingFactory();
    for (const url of ['http://127.0.0.1:5555', 'http://localhost:1', 'http://[::1]:8080/api/data/v9.2/']) {
      const provider = createTokenProvider(url, undefined, factory);
      expect(provider).toBeInstanceOf(NoTokenProvider);
      expect(await provider.getToken()).toBeUndefined();
      expect(isLocalEnvironmentUrl(new URL(url))).toBe(true);
    }
    expect(isLocalEnvironmentUrl(new URL('https://127.0.0.1'))).toBe(false);
    expect(made).toEqual([]);
  });

  it('uses DefaultAzureCredential (managed identity) for https without explicit auth, scope <origin>/.default', async () => {
    const { factory, made, credential } = recordingFactory();
    const provider = createTokenProvider('https://contoso.crm4.dynamics.com/api/data/v9.2/', undefined, factory);
    expect(await provider.getToken()).toBe('token-1');
    expect(made).toEqual([{ kind: 'default', args: [{}] }]);
    expect(credential.scopes).toEqual(['https://contoso.crm4.dynamics.com/.default']);
    expect(dataverseScope(new URL('https://contoso.crm.dynamics.com/'))).toBe('https://contoso.crm.dynamics.com/.default');
  });

  it('passes a user-assigned managed identity client id', () => {
    const { factory, made } = recordingFactory();
    createTokenProvider('https://contoso.crm.dynamics.com', { kind: 'default', managedIdentityClientId: 'mi-client' }, factory);
    expect(made).toEqual([{ kind: 'default', args: [{ managedIdentityClientId: 'mi-client' }] }]);
  });

  it('builds client secret and certificate credentials from configuration', () => {
    const { factory, made } = recordingFactory();
    createTokenProvider('https://contoso.crm.dynamics.com', { kind: 'clientSecret', tenantId: 't', clientId: 'c', clientSecret: 's' }, factory);
    createTokenProvider('https://contoso.crm.dynamics.com', { kind: 'clientCertificate', tenantId: 't', clientId: 'c', certificatePath: '/etc/cert.pem' }, factory);
    createTokenProvider(
      'https://contoso.crm.dynamics.com',
      { kind: 'clientCertificate', tenantId: 't', clientId: 'c', certificatePem: '-----BEGIN CERTIFICATE-----', certificatePassword: 'p', sendCertificateChain: true },
      factory,
    );
    expect(made).toEqual([
      { kind: 'clientSecret', args: ['t', 'c', 's'] },
      { kind: 'clientCertificate', args: ['t', 'c', { certificatePath: '/etc/cert.pem' }, false] },
      { kind: 'clientCertificate', args: ['t', 'c', { certificate: '-----BEGIN CERTIFICATE-----', certificatePassword: 'p' }, true] },
    ]);
  });

  it('refuses credentials over http, missing secrets and ambiguous certificates', () => {
    const { factory } = recordingFactory();
    const secret = { kind: 'clientSecret', tenantId: 't', clientId: 'c', clientSecret: 's' } as const;
    expect(() => createTokenProvider('http://127.0.0.1:5555', secret, factory)).toThrow(/https/);
    expect(() => createTokenProvider('http://dataverse.internal', secret, factory)).toThrow(InvalidDataverseInputError);
    expect(() => createTokenProvider('https://x.crm.dynamics.com', { ...secret, clientSecret: ' ' }, factory)).toThrow(/clientSecret/);
    expect(() => createTokenProvider('https://x.crm.dynamics.com', { kind: 'clientCertificate', tenantId: 't', clientId: 'c' }, factory)).toThrow(/exactly one/);
    expect(() => createTokenProvider('ftp://x', undefined, factory)).toThrow(/http or https/);
    expect(createTokenProvider('https://x.crm.dynamics.com', { kind: 'none' }, factory)).toBeInstanceOf(NoTokenProvider);
  });

  it('the real factory builds the @azure/identity credential classes (no token is requested)', () => {
    expect(azureIdentityCredentials.clientSecret('00000000-0000-0000-0000-000000000001', 'c', 's')).toBeInstanceOf(ClientSecretCredential);
    expect(
      azureIdentityCredentials.clientCertificate('00000000-0000-0000-0000-000000000001', 'c', { certificatePath: '/nonexistent.pem' }, false),
    ).toBeInstanceOf(ClientCertificateCredential);
    expect(azureIdentityCredentials.default({ managedIdentityClientId: 'x' })).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('CredentialTokenProvider caching', () => {
  it('reuses the token until shortly before expiry, then asks again', async () => {
    let now = 1_000_000;
    const credential = new FakeCredential(3_600_000, () => now);
    const provider = new CredentialTokenProvider(credential, 'https://x.crm.dynamics.com/.default', () => now);
    expect(await provider.getToken()).toBe('token-1');
    now += 3_600_000 - TOKEN_REFRESH_MARGIN_MS - 1;
    expect(await provider.getToken()).toBe('token-1');
    now += 1;
    expect(await provider.getToken()).toBe('token-2');
    expect(credential.calls).toBe(2);
  });

  it('honours refreshAfterTimestamp when it comes first', async () => {
    let now = 0;
    let calls = 0;
    const credential: TokenCredential = {
      getToken: async () => ({ token: `t${++calls}`, expiresOnTimestamp: now + 3_600_000, refreshAfterTimestamp: now + 60_000 }),
    };
    const provider = new CredentialTokenProvider(credential, 's', () => now);
    await provider.getToken();
    now = 60_000;
    expect(await provider.getToken()).toBe('t2');
  });

  it('shares one request between concurrent callers and does not cache a failure', async () => {
    let calls = 0;
    let fail = true;
    const credential: TokenCredential = {
      getToken: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (fail) throw new Error('AADSTS7000215: Invalid client secret provided.');
        return { token: 'ok', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const provider = new CredentialTokenProvider(credential, 's');
    await expect(Promise.all([provider.getToken(), provider.getToken()])).rejects.toThrow(/AADSTS7000215/);
    expect(calls).toBe(1);
    fail = false;
    expect(await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()])).toEqual(['ok', 'ok', 'ok']);
    expect(calls).toBe(2);
  });
});
