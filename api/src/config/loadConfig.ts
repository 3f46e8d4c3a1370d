/**
 * Loads the configuration once at startup: the JSON file (CONFIG_FILE, else
 * `dataverse-ensure.config.json` in the working directory when present, else the embedded default),
 * then the environment on top. Everything is validated with zod; a `ConfigError` lists every bad
 * setting by its path (`instances.b.url: must be an http(s) URL …`) and, where an environment variable
 * set it, that variable's name. Secrets come only from the environment and are never part of a message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import type { DataverseAuth } from '../dataverse';
import { queueSettings, type QueueSettings } from '../queue/QueueSettings';
import { reconcilerSettings, type ReconcilerSettings } from '../reconciler/ReconcilerSettings';
import type { ResilienceSettingsInput } from '../resilience/ResilienceSettings';
import { hashApiKey, MIN_API_KEY_LENGTH, readDataFolderApiKeys } from './ApiKeys';
import { ConfigFileSchema, INSTANCE_NAME, type ApiKeyEntry, type ConfigFile, type InstanceFile } from './ConfigSchema';
import { EMBEDDED_DEFAULT_CONFIG } from './embeddedDefault';
import { isLoopbackHost } from './loopbackHost';

export const DEFAULT_CONFIG_FILE_NAME = 'dataverse-ensure.config.json';
export const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  dataDir: '.data',
  bodyLimit: '1mb',
  logLevel: 'info',
} as const;

export type LogLevel = NonNullable<ConfigFile['logLevel']>;

export interface StubDefaultsConfig {
  nameColumn?: string;
  columns?: Record<string, unknown>;
}

export interface InstanceConfig {
  name: string;
  /** A remote (or any already running) Dataverse Web API. */
  url?: string;
  /** A local Dataverse that `npm start` starts, persisted in `dataDir` unless `memory`. */
  local?: { port: number; memory: boolean; dataDir: string };
  /** Undefined: none over http, DefaultAzureCredential over https (the client's default). */
  auth?: DataverseAuth;
  source?: string;
  tables: string[];
  stubDefaults: Record<string, StubDefaultsConfig>;
  /** Retry / circuit breaker / timeout settings; defaults in api/src/resilience/ResilienceSettings.ts. */
  resilience?: ResilienceSettingsInput;
}

export interface AppConfig {
  /** Where the settings came from: a file path, or "embedded default". */
  source: string;
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  bodyLimit: number | string;
  logLevel: LogLevel;
  /** `LOG_FORMAT` (environment only): `json` or `pretty`; absent: pretty on a terminal, else JSON. */
  logFormat?: 'json' | 'pretty';
  existenceCache?: { maxEntries?: number; ttlSeconds?: number };
  submitStrategy?: 'single-round-trip' | 'atomic';
  /** Name + SHA-256 of every accepted key. */
  apiKeys: ApiKeyEntry[];
  /** Where the keys came from; `none` means `npm start` generates one into the data folder. */
  apiKeySource: 'file' | 'environment' | 'file+environment' | 'data folder' | 'none';
  instances: InstanceConfig[];
  /** Base URL for absolute `Location` headers; required unless `host` is loopback (api/src/http/locationBase.ts). */
  publicUrl?: string;
  /** The durable queue's settings, defaults filled in. */
  queue: QueueSettings;
  /** The hydration reconciler's settings, defaults filled in (api/src/reconciler/README.md). */
  reconciler: ReconcilerSettings;
  /** Webhook delivery settings given to `startWebhooks` (api/src/webhooks/README.md). */
  webhooks: {
    /** Callbacks to loopback and private networks: true only when every instance is `local`, unless set. */
    allowPrivateNetworks: boolean;
    /** Subscriptions one API key may hold (`startWebhooks` defaults it to 20). */
    maxSubscriptionsPerKey?: number;
  };
  /**
   * PostgreSQL for the queue (`DATABASE_URL`, environment only): several replicas share it. Absent:
   * PGlite in `<dataDir>/queue-pgdata`, one process per data folder.
   */
  databaseUrl?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid configuration (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Suffixes of `DVE_INSTANCE_<NAME>_<SUFFIX>`, longest first so `_CLIENT_ID` does not eat `_MANAGED_IDENTITY_CLIENT_ID`. */
const INSTANCE_VARIABLES = [
  'MANAGED_IDENTITY_CLIENT_ID',
  'CERTIFICATE_PASSWORD',
  'CERTIFICATE_PATH',
  'CLIENT_SECRET',
  'LOCAL_PORT',
  'TENANT_ID',
  'CLIENT_ID',
  'SOURCE',
  'TABLES',
  'URL',
] as const;
type InstanceVariable = (typeof INSTANCE_VARIABLES)[number];
const INSTANCE_PREFIX = 'DVE_INSTANCE_';

/** The environment variable for one instance setting, e.g. `instanceVariable('b', 'URL')` → `DVE_INSTANCE_B_URL`. */
export function instanceVariable(instance: string, suffix: InstanceVariable): string {
  return `${INSTANCE_PREFIX}${instance.toUpperCase()}_${suffix}`;
}

function formatIssues(error: z.ZodError, origins: ReadonlyMap<string, string>, prefix: readonly (string | number)[] = []): string[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path].map(String);
    const describe = (settingPath: string[], message: string) => {
      const dotted = settingPath.join('.') || '(root)';
      const origin = [...origins.entries()].find(([setting]) => dotted === setting || dotted.startsWith(`${setting}.`))?.[1];
      return `${dotted}: ${message}${origin ? ` (from ${origin})` : ''}`;
    };
    if (issue.code === 'invalid_key') return [describe(path, issue.issues[0]?.message ?? 'is not an allowed name')];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => describe([...path, key], 'is not a known setting'));
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return [describe(path, 'is required')];
    return [describe(path, issue.message)];
  });
}

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string): { source: string; raw: unknown } {
  const requested = env['CONFIG_FILE'];
  let path: string | undefined;
  if (requested !== undefined && requested !== '') {
    path = resolve(cwd, requested);
    if (!existsSync(path)) throw new ConfigError(path, [`CONFIG_FILE: ${path} does not exist`]);
  } else if (existsSync(join(cwd, DEFAULT_CONFIG_FILE_NAME))) {
    path = join(cwd, DEFAULT_CONFIG_FILE_NAME);
  }
  if (path === undefined) return { source: 'embedded default', raw: structuredClone(EMBEDDED_DEFAULT_CONFIG) };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  try {
    return { source: path, raw: JSON.parse(text) as unknown };
  } catch (error) {
    throw new ConfigError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
}

interface InstanceSecrets {
  clientSecret?: string;
  certificatePassword?: string;
}

/**
 * Applies `DVE_INSTANCE_<NAME>_*` onto the raw file object (before validation, so the same rules apply
 * to values from either place), returning the secrets separately: they never enter the validated tree.
 */
function applyInstanceEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, origins: Map<string, string>, issues: string[]): Map<string, InstanceSecrets> {
  const secrets = new Map<string, InstanceSecrets>();
  const instances = (typeof raw['instances'] === 'object' && raw['instances'] !== null ? raw['instances'] : (raw['instances'] = {})) as Record<string, Record<string, unknown>>;
  for (const [variable, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!variable.startsWith(INSTANCE_PREFIX) || value === undefined || value === '') continue;
    const rest = variable.slice(INSTANCE_PREFIX.length);
    const suffix = INSTANCE_VARIABLES.find((candidate) => rest.endsWith(`_${candidate}`));
    const upperName = suffix ? rest.slice(0, -(suffix.length + 1)) : '';
    const name = upperName.toLowerCase();
    if (!suffix || !INSTANCE_NAME.test(name)) {
      issues.push(`${variable}: not a known setting (expected ${INSTANCE_PREFIX}<NAME>_{${INSTANCE_VARIABLES.join('|')}})`);
      continue;
    }
    const instance = (instances[name] ??= {});
    const at = (path: string) => origins.set(`instances.${name}.${path}`, variable);
    const auth = () => (typeof instance['auth'] === 'object' && instance['auth'] !== null ? (instance['auth'] as Record<string, unknown>) : undefined);
    const ensureAuth = (kind: string) => {
      const current = auth();
      if (current) return current;
      const created: Record<string, unknown> = { kind };
      instance['auth'] = created;
      origins.set(`instances.${name}.auth`, variable);
      return created;
    };
    switch (suffix) {
      case 'URL':
        instance['url'] = value;
        delete instance['local'];
        at('url');
        break;
      case 'LOCAL_PORT': {
        const port = Number(value);
        instance['local'] = { ...((instance['local'] as object | undefined) ?? {}), port: /^\d+$/.test(value) ? port : value };
        delete instance['url'];
        at('local');
        break;
      }
      case 'SOURCE':
        instance['source'] = value;
        at('source');
        break;
      case 'TABLES':
        instance['tables'] = value.split(',').map((table) => table.trim()).filter(Boolean);
        at('tables');
        break;
      case 'TENANT_ID':
        ensureAuth(env[instanceVariable(name, 'CERTIFICATE_PATH')] ? 'clientCertificate' : 'clientSecret')['tenantId'] = value;
        at('auth.tenantId');
        break;
      case 'CLIENT_ID':
        ensureAuth(env[instanceVariable(name, 'CERTIFICATE_PATH')] ? 'clientCertificate' : 'clientSecret')['clientId'] = value;
        at('auth.clientId');
        break;
      case 'MANAGED_IDENTITY_CLIENT_ID':
        ensureAuth('managedIdentity')['clientId'] = value;
        at('auth.clientId');
        break;
      case 'CERTIFICATE_PATH':
        ensureAuth('clientCertificate')['certificatePath'] = value;
        at('auth.certificatePath');
        break;
      case 'CLIENT_SECRET':
        ensureAuth('clientSecret');
        secrets.set(name, { ...secrets.get(name), clientSecret: value });
        break;
      case 'CERTIFICATE_PASSWORD':
        ensureAuth('clientCertificate');
        secrets.set(name, { ...secrets.get(name), certificatePassword: value });
        break;
    }
  }
  return secrets;
}

function buildAuth(name: string, instance: InstanceFile, secrets: InstanceSecrets | undefined, issues: string[]): DataverseAuth | undefined {
  const auth = instance.auth;
  const path = `instances.${name}.auth`;
  if (instance.local !== undefined) {
    if (auth !== undefined && auth.kind !== 'none') issues.push(`${path}: a local instance takes no credentials`);
    return { kind: 'none' };
  }
  if (auth === undefined) return undefined;
  const isHttps = new URL(instance.url!).protocol === 'https:';
  if (auth.kind !== 'none' && !isHttps) issues.push(`${path}: credentials need an https URL (a bearer token never travels in clear text)`);
  const need = (field: string, value: string | undefined, variable: InstanceVariable): string => {
    if (value === undefined || value === '') issues.push(`${path}.${field}: required for ${auth.kind} (in the file, or ${instanceVariable(name, variable)})`);
    return value ?? '';
  };
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'clientSecret': {
      const tenantId = need('tenantId', auth.tenantId, 'TENANT_ID');
      const clientId = need('clientId', auth.clientId, 'CLIENT_ID');
      const clientSecret = secrets?.clientSecret;
      if (!clientSecret) issues.push(`${path}: clientSecret auth needs ${instanceVariable(name, 'CLIENT_SECRET')} in the environment`);
      return { kind: 'clientSecret', tenantId, clientId, clientSecret: clientSecret ?? '' };
    }
    case 'clientCertificate': {
      const tenantId = need('tenantId', auth.tenantId, 'TENANT_ID');
      const clientId = need('clientId', auth.clientId, 'CLIENT_ID');
      const certificatePath = need('certificatePath', auth.certificatePath, 'CERTIFICATE_PATH');
      if (certificatePath && !existsSync(certificatePath)) issues.push(`${path}.certificatePath: ${certificatePath} does not exist`);
      return {
        kind: 'clientCertificate',
        tenantId,
        clientId,
        certificatePath,
        ...(secrets?.certificatePassword ? { certificatePassword: secrets.certificatePassword } : {}),
        ...(auth.sendCertificateChain !== undefined ? { sendCertificateChain: auth.sendCertificateChain } : {}),
      };
    }
    case 'managedIdentity':
      return { kind: 'default', ...(auth.clientId ? { managedIdentityClientId: auth.clientId } : {}), ...(auth.tenantId ? { tenantId: auth.tenantId } : {}) };
  }
}

/** `API_KEYS` (callers, named `env-1`, `env-2`…) or `ADMIN_API_KEYS` (admins, `admin-env-1`…). */
function readApiKeysVariable(variable: 'API_KEYS' | 'ADMIN_API_KEYS', value: string | undefined, issues: string[]): ApiKeyEntry[] {
  if (value === undefined || value.trim() === '') return [];
  // App Service passes a Key Vault reference it could not resolve as its literal text: never a key.
  if (/^\s*@Microsoft\.KeyVault\(/i.test(value)) {
    issues.push(`${variable}: an unresolved Key Vault reference (App Service could not read the secret: check the managed identity's access and the secret's name)`);
    return [];
  }
  const keys = value.split(',').map((key) => key.trim()).filter(Boolean);
  const admin = variable === 'ADMIN_API_KEYS';
  return keys.flatMap((key, index) => {
    if (key.length < MIN_API_KEY_LENGTH) {
      issues.push(`${variable}: key ${index + 1} has fewer than ${MIN_API_KEY_LENGTH} characters`);
      return [];
    }
    return [{ name: `${admin ? 'admin-env' : 'env'}-${index + 1}`, sha256: hashApiKey(key), ...(admin ? { role: 'admin' as const } : {}) }];
  });
}

function numberVariable(env: NodeJS.ProcessEnv, name: string, min: number, max: number, issues: string[]): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    issues.push(`${name}: must be an integer from ${min} to ${max}`);
    return undefined;
  }
  return Number(value);
}

function booleanVariable(env: NodeJS.ProcessEnv, name: string, issues: string[]): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  issues.push(`${name}: must be true or false`);
  return undefined;
}

/** Reads and validates the configuration; throws `ConfigError` naming every bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { source, raw } = readConfigFile(env, cwd);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(source, ['(root): must be a JSON object']);
  const rawObject = raw as Record<string, unknown>;
  const issues: string[] = [];
  const origins = new Map<string, string>();
  const secrets = applyInstanceEnvironment(rawObject, env, origins, issues);

  const parsed = ConfigFileSchema.safeParse(rawObject);
  if (!parsed.success) throw new ConfigError(source, [...issues, ...formatIssues(parsed.error, origins)]);
  const file = parsed.data;

  const port = numberVariable(env, 'PORT', 0, 65535, issues) ?? file.port ?? DEFAULTS.port;
  const host = env['HOST'] || file.host || DEFAULTS.host;
  const dataDir = resolve(cwd, env['DATA_DIR'] || file.dataDir || DEFAULTS.dataDir);
  let bodyLimit: number | string = file.bodyLimit ?? DEFAULTS.bodyLimit;
  const bodyLimitVariable = env['BODY_LIMIT'];
  if (bodyLimitVariable) {
    if (/^\d+$/.test(bodyLimitVariable)) bodyLimit = Number(bodyLimitVariable);
    else if (/^\d+(\.\d+)?\s*(b|kb|mb)$/i.test(bodyLimitVariable)) bodyLimit = bodyLimitVariable;
    else issues.push('BODY_LIMIT: must be bytes or a size such as "1mb"');
  }
  let logLevel: LogLevel = file.logLevel ?? DEFAULTS.logLevel;
  let submitStrategy = file.submitStrategy;
  const strategyVariable = env['SUBMIT_STRATEGY'];
  if (strategyVariable) {
    if (strategyVariable === 'single-round-trip' || strategyVariable === 'atomic') submitStrategy = strategyVariable;
    else issues.push('SUBMIT_STRATEGY: must be single-round-trip or atomic');
  }
  const logLevelVariable = env['LOG_LEVEL'];
  if (logLevelVariable) {
    const levels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
    if ((levels as readonly string[]).includes(logLevelVariable)) logLevel = logLevelVariable as LogLevel;
    else issues.push(`LOG_LEVEL: must be one of ${levels.join(', ')}`);
  }
  const logFormat = env['LOG_FORMAT'] || undefined;
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') issues.push('LOG_FORMAT: must be json or pretty');

  const instances: InstanceConfig[] = Object.entries(file.instances).map(([name, instance]) => {
    const auth = buildAuth(name, instance, secrets.get(name), issues);
    return {
      name,
      ...(instance.url !== undefined ? { url: instance.url } : {}),
      ...(instance.local !== undefined
        ? { local: { port: instance.local.port, memory: instance.local.memory ?? false, dataDir: join(dataDir, 'local-dataverse', name) } }
        : {}),
      ...(auth !== undefined ? { auth } : {}),
      ...(instance.source !== undefined ? { source: instance.source } : {}),
      tables: [...new Set(instance.tables)],
      stubDefaults: instance.stubDefaults ?? {},
      ...(instance.resilience !== undefined ? { resilience: instance.resilience } : {}),
    };
  });
  const localPorts = new Map<number, string>();
  for (const instance of instances) {
    if (!instance.local || instance.local.port === 0) continue;
    const other = localPorts.get(instance.local.port);
    if (other !== undefined) issues.push(`instances.${instance.name}.local.port: ${instance.local.port} is already used by instance "${other}"`);
    else localPorts.set(instance.local.port, instance.name);
  }
  if (port !== 0 && localPorts.has(port)) issues.push(`PORT: ${port} is also the port of the local instance "${localPorts.get(port)}"`);

  // Key holders choose callback URLs: private networks are open to them only while everything is local.
  const allowPrivateNetworks =
    booleanVariable(env, 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS', issues) ?? file.webhooks?.allowPrivateNetworks ?? instances.every((instance) => instance.local !== undefined);

  const publicUrl = (env['PUBLIC_URL'] || file.publicUrl || undefined)?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(publicUrl)) issues.push('PUBLIC_URL: must be an http(s) URL without query or fragment');
  if (publicUrl === undefined && !isLoopbackHost(host)) {
    issues.push(
      `PUBLIC_URL: required when HOST (${host}) is not a loopback address: the absolute Location of 202 answers and subscriptions is built from it, never from a request's Host header, which any client can set (e.g. PUBLIC_URL=https://dve.example.com)`,
    );
  }
  const databaseUrl = env['DATABASE_URL'] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) issues.push('DATABASE_URL: must be a postgres:// or postgresql:// connection string');

  const fileKeys = file.apiKeys ?? [];
  const environmentKeys = [...readApiKeysVariable('API_KEYS', env['API_KEYS'], issues), ...readApiKeysVariable('ADMIN_API_KEYS', env['ADMIN_API_KEYS'], issues)];
  if (issues.length > 0) throw new ConfigError(source, issues);

  let apiKeys: ApiKeyEntry[] = [...fileKeys, ...environmentKeys];
  let apiKeySource: AppConfig['apiKeySource'] =
    fileKeys.length > 0 && environmentKeys.length > 0 ? 'file+environment' : fileKeys.length > 0 ? 'file' : environmentKeys.length > 0 ? 'environment' : 'none';
  if (apiKeys.length === 0) {
    try {
      apiKeys = readDataFolderApiKeys(dataDir);
    } catch (error) {
      throw new ConfigError(source, [`dataDir: ${(error as Error).message}`]);
    }
    if (apiKeys.length > 0) apiKeySource = 'data folder';
  }

  return {
    source,
    port,
    host,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    bodyLimit,
    logLevel,
    ...(logFormat === 'json' || logFormat === 'pretty' ? { logFormat } : {}),
    ...(file.existenceCache ? { existenceCache: file.existenceCache } : {}),
    ...(submitStrategy ? { submitStrategy } : {}),
    apiKeys,
    apiKeySource,
    instances,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    queue: queueSettings(file.queue),
    reconciler: reconcilerSettings(file.reconciler),
    webhooks: {
      allowPrivateNetworks,
      ...(file.webhooks?.maxSubscriptionsPerKey !== undefined ? { maxSubscriptionsPerKey: file.webhooks.maxSubscriptionsPerKey } : {}),
    },
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
  };
}

/** The configuration as it may be logged or shown: no secrets, no key hashes. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    source: config.source,
    port: config.port,
    host: config.host,
    dataDir: config.dataDir,
    bodyLimit: config.bodyLimit,
    apiKeys: config.apiKeys.map((key) => key.name),
    apiKeySource: config.apiKeySource,
    queue: { ...config.queue, database: config.databaseUrl ? redactedDatabaseUrl(config.databaseUrl) : 'PGlite (data folder)' },
    webhooks: config.webhooks,
    instances: config.instances.map((instance) => ({
      name: instance.name,
      ...(instance.url ? { url: instance.url } : { local: { port: instance.local?.port, memory: instance.local?.memory } }),
      auth: instance.auth?.kind ?? (instance.url?.startsWith('https:') ? 'default' : 'none'),
      source: instance.source,
      tables: instance.tables,
    })),
  };
}

/** `postgres://user:***@host:port/db`: where the queue lives, without the password. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}
