/** Configuration from real files and environments: defaults, overrides, and errors that name the setting. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_CONFIG_FILE_NAME,
  describeConfig,
  generateDataFolderApiKey,
  hashApiKey,
  loadConfig,
  matchApiKey,
  readDataFolderApiKeys,
  type AppConfig,
} from '../../../api/src/config';
import { configIssues } from '../../support/configIssues';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-4333-8444-555555555555';
const SECRET = 'very-secret-client-secret~value';

describe('loadConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'dve-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const writeConfig = (content: unknown, name = DEFAULT_CONFIG_FILE_NAME) => {
    const path = join(cwd, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const load = (env: Record<string, string> = {}): AppConfig => loadConfig({ env, cwd });
  const issuesOf = (env: Record<string, string> = {}): string[] => configIssues(env, cwd);
  const remote = (extra: Record<string, unknown> = {}) => ({ url: 'https://contoso.crm4.dynamics.com', tables: ['account'], ...extra });

  it('uses the embedded default when there is no file: a (local 5551) and b (local 5552, source a)', () => {
    const config = load();
    expect(config.source).toBe('embedded default');
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', dataDir: join(cwd, '.data'), bodyLimit: '1mb', logLevel: 'info', apiKeys: [], apiKeySource: 'none' });
    expect(config.instances).toEqual([
      { name: 'a', local: { port: 5551, memory: false, dataDir: join(cwd, '.data', 'local-dataverse', 'a') }, auth: { kind: 'none' }, tables: ['account', 'contact'], stubDefaults: { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } } },
      { name: 'b', local: { port: 5552, memory: false, dataDir: join(cwd, '.data', 'local-dataverse', 'b') }, auth: { kind: 'none' }, source: 'a', tables: ['account', 'contact'], stubDefaults: { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } } },
    ]);
  });

  it('reads dataverse-ensure.config.json from the working directory, and CONFIG_FILE from anywhere', () => {
    writeConfig({ port: 4000, instances: { prod: remote() } });
    expect(load()).toMatchObject({ port: 4000, source: join(cwd, DEFAULT_CONFIG_FILE_NAME), instances: [{ name: 'prod', url: 'https://contoso.crm4.dynamics.com' }] });
    const other = writeConfig({ port: 4001, instances: { x: remote() } }, 'other.json');
    expect(load({ CONFIG_FILE: other })).toMatchObject({ port: 4001, source: other });
    expect(load({ CONFIG_FILE: 'other.json' }).port).toBe(4001);
  });

  it('names a CONFIG_FILE that does not exist, and a file that is not JSON', () => {
    expect(issuesOf({ CONFIG_FILE: 'missing.json' })).toEqual([`CONFIG_FILE: ${join(cwd, 'missing.json')} does not exist`]);
    writeConfig('{ "port": 3000, }');
    expect(issuesOf()[0]).toMatch(/^not valid JSON: /);
    writeConfig('[]');
    expect(issuesOf()).toEqual(['(root): must be a JSON object']);
  });

  it('names every bad setting by its path', () => {
    writeConfig({
      port: 70000,
      bodyLimit: 'huge',
      colour: 'blue',
      apiKeys: [{ name: 'flows', sha256: 'plain-key-in-file' }],
      instances: {
        a: { local: { port: 5551 }, tables: ['account'] },
        b: { url: 'ftp://contoso', source: 'a', tables: ['account'] },
        c: { url: 'https://c.crm.dynamics.com', local: { port: 1 }, tables: [] },
        d: { url: 'https://d.crm.dynamics.com', tables: ['Account'], stubDefaults: { contact: {} } },
        e: { url: 'https://e.crm.dynamics.com' },
        F: remote(),
      },
    });
    expect(issuesOf().sort()).toEqual(
      [
        'apiKeys.0.sha256: must be the lower-case hex SHA-256 of the key (64 characters); keys themselves never go in the file',
        'bodyLimit: must be bytes or a size such as "1mb"',
        'colour: is not a known setting',
        'instances.F: instance names are a lower-case letter then a-z, 0-9, _ (at most 40)',
        'instances.b.url: must be an http(s) URL without credentials, query or fragment',
        'instances.c: give exactly one of "url" and "local"',
        'instances.c.tables: must list at least one table',
        'instances.d.stubDefaults.contact: is not in this instance\'s "tables"',
        'instances.d.tables.0: must be a table logical name (a-z, 0-9, _)',
        'instances.e.tables: is required',
        'port: Too big: expected number to be <=65535',
      ].sort(),
    );
  });

  it('checks sources across instances once each instance is valid', () => {
    writeConfig({ instances: { a: remote({ source: 'nobody' }), b: remote({ source: 'b' }) } });
    expect(issuesOf()).toEqual(['instances.a.source: names no configured instance ("nobody")', 'instances.b.source: an instance cannot be its own source']);
  });

  it('refuses secrets in the file, pointing to the environment variable', () => {
    writeConfig({ instances: { b: remote({ auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET } }) } });
    const issues = issuesOf();
    expect(issues).toEqual(['instances.b.auth.clientSecret: secrets are not read from the file: set DVE_INSTANCE_<NAME>_CLIENT_SECRET in the environment instead (clientSecret)']);
    expect(issues.join('\n')).not.toContain(SECRET);
  });

  describe('environment overrides', () => {
    it('PORT, HOST, DATA_DIR, BODY_LIMIT, LOG_LEVEL', () => {
      const config = load({ PORT: '8080', HOST: '0.0.0.0', PUBLIC_URL: 'https://dve.example.com', DATA_DIR: 'state', BODY_LIMIT: '256kb', LOG_LEVEL: 'debug' });
      expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: join(cwd, 'state'), bodyLimit: '256kb', logLevel: 'debug' });
      expect(config.instances[1]!.local!.dataDir).toBe(join(cwd, 'state', 'local-dataverse', 'b'));
      expect(load({ BODY_LIMIT: '2048' }).bodyLimit).toBe(2048);
    });

    it('names bad values by their variable', () => {
      expect(issuesOf({ PORT: 'eighty', BODY_LIMIT: 'big', LOG_LEVEL: 'loud' })).toEqual([
        'PORT: must be an integer from 0 to 65535',
        'BODY_LIMIT: must be bytes or a size such as "1mb"',
        'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      ]);
      expect(issuesOf({ PORT: '5551' })).toEqual(['PORT: 5551 is also the port of the local instance "a"']);
    });

    it('LOG_FORMAT: json or pretty; absent leaves the choice to the terminal', () => {
      expect(load().logFormat).toBeUndefined();
      expect(load({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(load({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
      expect(issuesOf({ LOG_FORMAT: 'yaml' })).toEqual(['LOG_FORMAT: must be json or pretty']);
    });

    it('DVE_INSTANCE_<NAME>_URL turns a local instance into a remote one; the error names the variable', () => {
      expect(issuesOf({ DVE_INSTANCE_B_URL: 'not a url' })).toEqual(['instances.b.url: must be an http(s) URL without credentials, query or fragment (from DVE_INSTANCE_B_URL)']);
      const config = load({ DVE_INSTANCE_B_URL: 'https://contoso.crm4.dynamics.com' });
      expect(config.instances[1]).toEqual({ name: 'b', url: 'https://contoso.crm4.dynamics.com', source: 'a', tables: ['account', 'contact'], stubDefaults: { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } } });
    });

    it('client secret: tenant and client ids from the file or the environment, the secret from the environment only', () => {
      writeConfig({ instances: { b: remote({ auth: { kind: 'clientSecret', tenantId: TENANT } }) } });
      const config = load({ DVE_INSTANCE_B_CLIENT_ID: CLIENT, DVE_INSTANCE_B_CLIENT_SECRET: SECRET });
      expect(config.instances[0]!.auth).toEqual({ kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
      expect(JSON.stringify(describeConfig(config))).not.toContain(SECRET);
      expect(describeConfig(config)).toMatchObject({ instances: [{ name: 'b', auth: 'clientSecret' }] });
    });

    it('a whole instance from the environment', () => {
      const config = load({
        DVE_INSTANCE_PROD_URL: 'https://contoso.crm4.dynamics.com',
        DVE_INSTANCE_PROD_TABLES: 'account, contact,lead',
        DVE_INSTANCE_PROD_SOURCE: 'a',
        DVE_INSTANCE_PROD_TENANT_ID: TENANT,
        DVE_INSTANCE_PROD_CLIENT_ID: CLIENT,
        DVE_INSTANCE_PROD_CLIENT_SECRET: SECRET,
      });
      expect(config.instances.map((instance) => instance.name)).toEqual(['a', 'b', 'prod']);
      expect(config.instances[2]).toMatchObject({ url: 'https://contoso.crm4.dynamics.com', source: 'a', tables: ['account', 'contact', 'lead'], auth: { kind: 'clientSecret', clientSecret: SECRET } });
    });

    it('a missing secret is named by its variable, and no secret appears in any message', () => {
      writeConfig({ instances: { b: remote({ auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT } }) } });
      expect(issuesOf()).toEqual(['instances.b.auth: clientSecret auth needs DVE_INSTANCE_B_CLIENT_SECRET in the environment']);
      const issues = issuesOf({ DVE_INSTANCE_B_URL: 'http://contoso.internal', DVE_INSTANCE_B_CLIENT_SECRET: SECRET });
      expect(issues).toEqual(['instances.b.auth: credentials need an https URL (a bearer token never travels in clear text)']);
      expect(issues.join('\n')).not.toContain(SECRET);
    });

    it('certificate: path from the environment (must exist), password from the environment', () => {
      const certificate = join(cwd, 'app.pem');
      writeFileSync(certificate, '-----BEGIN CERTIFICATE-----\n');
      const env = { DVE_INSTANCE_PROD_URL: 'https://contoso.crm.dynamics.com', DVE_INSTANCE_PROD_TABLES: 'account', DVE_INSTANCE_PROD_TENANT_ID: TENANT, DVE_INSTANCE_PROD_CLIENT_ID: CLIENT, DVE_INSTANCE_PROD_CERTIFICATE_PATH: certificate, DVE_INSTANCE_PROD_CERTIFICATE_PASSWORD: SECRET };
      expect(load(env).instances[2]!.auth).toEqual({ kind: 'clientCertificate', tenantId: TENANT, clientId: CLIENT, certificatePath: certificate, certificatePassword: SECRET });
      const issues = issuesOf({ ...env, DVE_INSTANCE_PROD_CERTIFICATE_PATH: join(cwd, 'missing.pem') });
      expect(issues).toEqual([`instances.prod.auth.certificatePath: ${join(cwd, 'missing.pem')} does not exist`]);
    });

    it('managed identity (system- or user-assigned) maps to DefaultAzureCredential', () => {
      writeConfig({ instances: { b: remote({ auth: { kind: 'managedIdentity' } }) } });
      expect(load().instances[0]!.auth).toEqual({ kind: 'default' });
      expect(load({ DVE_INSTANCE_B_MANAGED_IDENTITY_CLIENT_ID: CLIENT }).instances[0]!.auth).toEqual({ kind: 'default', managedIdentityClientId: CLIENT });
    });

    it('an https instance without auth keeps the client default (DefaultAzureCredential); a local one takes no credentials', () => {
      writeConfig({ instances: { b: remote(), l: { local: { port: 0 }, tables: ['account'], auth: { kind: 'clientSecret' } } } });
      expect(issuesOf()).toEqual(['instances.l.auth: a local instance takes no credentials']);
      writeConfig({ instances: { b: remote() } });
      expect(load().instances[0]!.auth).toBeUndefined();
    });

    it('refuses unknown DVE_INSTANCE_ variables and two local instances on one port', () => {
      expect(issuesOf({ DVE_INSTANCE_B_COLOUR: 'blue' })).toEqual(['DVE_INSTANCE_B_COLOUR: not a known setting (expected DVE_INSTANCE_<NAME>_{MANAGED_IDENTITY_CLIENT_ID|CERTIFICATE_PASSWORD|CERTIFICATE_PATH|CLIENT_SECRET|LOCAL_PORT|LOCAL_USERS|RATE_LIMIT_WINDOW_SECONDS|TENANT_ID|CLIENT_ID|SOURCE|TABLES|URL}, _2 … _16 for identities 2 to 16)']);
      expect(issuesOf({ DVE_INSTANCE_B_LOCAL_PORT: '5551' })).toEqual(['instances.b.local.port: 5551 is already used by instance "a"']);
      expect(load({ DVE_INSTANCE_A_LOCAL_PORT: '0', DVE_INSTANCE_B_LOCAL_PORT: '0' }).instances.map((i) => i.local?.port)).toEqual([0, 0]);
    });
  });

  describe('API keys', () => {
    it('API_KEYS (comma-separated) are hashed at load; the plain keys are kept nowhere', () => {
      const config = load({ API_KEYS: 'first-key-0123456789, second-key-0123456789' });
      expect(config.apiKeys).toEqual([
        { name: 'env-1', sha256: hashApiKey('first-key-0123456789') },
        { name: 'env-2', sha256: hashApiKey('second-key-0123456789') },
      ]);
      expect(config.apiKeySource).toBe('environment');
      expect(JSON.stringify(config)).not.toContain('first-key-0123456789');
      expect(matchApiKey('second-key-0123456789', config.apiKeys)?.name).toBe('env-2');
    });

    it('refuses an unresolved Key Vault reference as API keys (App Service passes its text when it cannot read the secret)', () => {
      const reference = '@Microsoft.KeyVault(SecretUri=https://dve.vault.azure.net/secrets/api-keys/)';
      expect(issuesOf({ API_KEYS: reference })).toEqual([
        "API_KEYS: an unresolved Key Vault reference (App Service could not read the secret: check the managed identity's access and the secret's name)",
      ]);
      expect(issuesOf({ ADMIN_API_KEYS: reference })[0]).toMatch(/^ADMIN_API_KEYS: an unresolved Key Vault reference/);
    });

    it('refuses short keys in API_KEYS without echoing them', () => {
      const issues = issuesOf({ API_KEYS: 'short,long-enough-key-0123' });
      expect(issues).toEqual(['API_KEYS: key 1 has fewer than 16 characters']);
    });

    it('file keys are hashes; both sources combine', () => {
      writeConfig({ apiKeys: [{ name: 'flows', sha256: hashApiKey('flows-key-0123456789') }], instances: { b: remote() } });
      const config = load({ API_KEYS: 'vault-key-0123456789' });
      expect(config.apiKeys.map((key) => key.name)).toEqual(['flows', 'env-1']);
      expect(config.apiKeySource).toBe('file+environment');
      writeConfig({ apiKeys: [{ name: 'x', sha256: hashApiKey('a') }, { name: 'x', sha256: hashApiKey('b') }], instances: { b: remote() } });
      expect(issuesOf()).toEqual(['apiKeys.1.name: duplicate key name "x"']);
    });

    it('a generated key goes to DATA_DIR/api-keys.json as name + hash only (mode 600) and is used when nothing else is configured', () => {
      const dataDir = join(cwd, '.data');
      const { key, entry, path } = generateDataFolderApiKey(dataDir);
      expect(path).toBe(join(dataDir, 'api-keys.json'));
      expect(key).toMatch(/^dve_[A-Za-z0-9_-]{43}$/);
      const stored = readFileSync(path, 'utf8');
      expect(stored).not.toContain(key);
      expect(JSON.parse(stored)).toEqual({ keys: [{ name: 'generated', sha256: hashApiKey(key), createdOn: expect.any(String) }] });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readDataFolderApiKeys(dataDir)).toEqual([entry]);
      const config = load();
      expect(config.apiKeySource).toBe('data folder');
      expect(matchApiKey(key, config.apiKeys)?.name).toBe('generated');
      expect(load({ API_KEYS: 'vault-key-0123456789' }).apiKeys.map((k) => k.name)).toEqual(['env-1']);
    });

    it('names a broken api-keys.json', () => {
      const dataDir = join(cwd, '.data');
      generateDataFolderApiKey(dataDir);
      writeFileSync(join(dataDir, 'api-keys.json'), '{"keys":[{"name":"g","sha256":"nothex"}]}');
      expect(issuesOf()[0]).toMatch(/^dataDir: .*api-keys\.json: keys\.0\.sha256: must be the lower-case hex SHA-256/);
      expect(existsSync(join(dataDir, 'api-keys.json'))).toBe(true);
    });
  });

  test('submit strategy and per-instance resilience settings: read, validated, named in errors', () => {
    writeConfig({
      submitStrategy: 'atomic',
      instances: { b: { local: { port: 0, memory: true }, tables: ['account'], resilience: { maxAttempts: 2, breaker: { kind: 'consecutive', threshold: 3 } } } },
    });
    const config = load();
    expect(config.submitStrategy).toBe('atomic');
    expect(config.instances[0]!.resilience).toMatchObject({ maxAttempts: 2, breaker: { kind: 'consecutive', threshold: 3 } });
    expect(load({ SUBMIT_STRATEGY: 'single-round-trip' }).submitStrategy).toBe('single-round-trip');
    expect(issuesOf({ SUBMIT_STRATEGY: 'eventually' })).toEqual(['SUBMIT_STRATEGY: must be single-round-trip or atomic']);
    writeConfig({ instances: { b: { local: { port: 0 }, tables: ['account'], resilience: { maxAttempts: 0 } } } });
    expect(issuesOf().join('\n')).toContain('instances.b.resilience.maxAttempts');
  });

  test('coalescing: on with its defaults, read from the file and COALESCING_* variables, validated', () => {
    writeConfig({ instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(load().coalescing).toEqual({ enabled: true, maxBatchesInFlight: 4, maxOperations: 1000, maxBytes: 4194304 });
    expect(load({ COALESCING_ENABLED: 'false', COALESCING_MAX_BATCHES_IN_FLIGHT: '8' }).coalescing).toMatchObject({ enabled: false, maxBatchesInFlight: 8 });
    expect(issuesOf({ COALESCING_ENABLED: 'sometimes' })).toEqual(['COALESCING_ENABLED: must be true or false']);
    expect(issuesOf({ COALESCING_MAX_BATCHES_IN_FLIGHT: '0' })).toEqual(['COALESCING_MAX_BATCHES_IN_FLIGHT: must be an integer from 1 to 52']);
    writeConfig({ coalescing: { maxOperations: 50, maxBytes: 65536 }, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(load().coalescing).toEqual({ enabled: true, maxBatchesInFlight: 4, maxOperations: 50, maxBytes: 65536 });
    writeConfig({ coalescing: { maxOperations: 1001 }, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(issuesOf().join('\n')).toContain('coalescing.maxOperations');
  });

  test('webhooks.maxSubscriptionsPerKey: absent by default (20 applies), read, validated', () => {
    writeConfig({ instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(load().webhooks).toEqual({ allowPrivateNetworks: true });
    writeConfig({ webhooks: { maxSubscriptionsPerKey: 5 }, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(load().webhooks).toEqual({ allowPrivateNetworks: true, maxSubscriptionsPerKey: 5 });
    writeConfig({ webhooks: { maxSubscriptionsPerKey: 0 }, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(issuesOf().join('\n')).toContain('webhooks.maxSubscriptionsPerKey');
    writeConfig({ webhooks: { maxSubscriptions: 5 }, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } });
    expect(issuesOf()).toEqual(['webhooks.maxSubscriptions: is not a known setting']);
  });
});
