/**
 * Loads the configuration once at startup: the JSON file (CONFIG_FILE, else
 * `dataverse-ensure.config.json` in the working directory when present, else the embedded default),
 * then the environment written into it (environmentVariables.ts), then one zod parse (`SettingsSchema`).
 * A `ConfigError` lists every bad setting by its path (`instances.b.url: must be an http(s) URL …`) and,
 * where an environment variable set it, that variable's name. Secrets come only from the environment
 * and are never part of a message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { DataverseAuth } from '../dataverse';
import { queueSettings, type QueueSettings } from '../queue/QueueSettings';
import { reconcilerSettings, type ReconcilerSettings } from '../reconciler/ReconcilerSettings';
import { coalescingSettings, type CoalescingSettings } from '../dataverse/coalescing/CoalescingSettings';
import type { ResilienceSettingsInput } from '../resilience/ResilienceSettings';
import { hashApiKey, MIN_API_KEY_LENGTH, readDataFolderApiKeys } from './ApiKeys';
import { ConfigError, formatIssues } from './ConfigError';
import { ENVIRONMENT_ONLY_KEYS, SettingsSchema, type ApiKeyEntry, type ConfigFile, type LOG_FORMATS } from './ConfigSchema';
import { EMBEDDED_DEFAULT_CONFIG } from './embeddedDefault';
import { parseAuthList, takeAuthLists } from './authList';
import { applyEnvironment } from './environmentVariables';
import { buildIdentities, type InstanceIdentity } from './instanceAuth';
import { isLoopbackHost } from './loopbackHost';

export { ConfigError } from './ConfigError';
export { instanceVariable } from './environmentVariables';
export type { InstanceIdentity } from './instanceAuth';

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
  marker?: boolean;
}

export interface InstanceConfig {
  name: string;
  /** A remote (or any already running) Dataverse Web API. */
  url?: string;
  /** A local Dataverse that `npm start` starts, persisted in `dataDir` unless `memory`. */
  local?: { port: number; memory: boolean; dataDir: string };
  /** One plain identity. Undefined (and no `identities`): none over http, DefaultAzureCredential over https (the client's default). */
  auth?: DataverseAuth;
  /** Instead of `auth`: the instance's application users, when `auth` is a list or names a label or `maxConcurrent`. */
  identities?: InstanceIdentity[];
  source?: string;
  tables: string[];
  stubDefaults: Record<string, StubDefaultsConfig>;
  /** Retry / circuit breaker / timeout settings; defaults in api/src/resilience/ResilienceSettings.ts. */
  resilience?: ResilienceSettingsInput;
  /** The service protection limits' sliding window in seconds; undefined: the client's default (300). */
  rateLimitWindowSeconds?: number;
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
  logFormat?: (typeof LOG_FORMATS)[number];
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
  /** The write and lookup coalescers' settings, defaults filled in (api/src/dataverse/coalescing/README.md). */
  coalescing: CoalescingSettings;
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

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
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

/** Reads and validates the configuration; throws `ConfigError` naming every bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { source, raw } = readConfigFile(env, cwd);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(source, ['(root): must be a JSON object']);
  const tree = raw as Record<string, unknown>;
  // The tree's environment-only keys are the environment's: the file holding one is a mistake.
  const issues = ENVIRONMENT_ONLY_KEYS.filter((key) => key in tree).map((key) => `${key}: is not a known setting`);
  for (const key of ENVIRONMENT_ONLY_KEYS) delete tree[key];
  const { origins, secrets, issues: variableIssues } = applyEnvironment(tree, env);
  issues.push(...variableIssues);
  const authLists = new Map<string, ReturnType<typeof parseAuthList>>();
  for (const [name, list] of takeAuthLists(tree)) authLists.set(name, parseAuthList(name, list, origins, issues));
  const keyIssues: string[] = [];
  const environmentKeys = [...readApiKeysVariable('API_KEYS', env['API_KEYS'], keyIssues), ...readApiKeysVariable('ADMIN_API_KEYS', env['ADMIN_API_KEYS'], keyIssues)];

  const parsed = SettingsSchema.safeParse(tree);
  if (!parsed.success) throw new ConfigError(source, [...issues, ...formatIssues(parsed.error, origins), ...keyIssues]);
  issues.push(...keyIssues);
  const file = parsed.data;

  const port = file.port ?? DEFAULTS.port;
  const host = file.host ?? DEFAULTS.host;
  const dataDir = resolve(cwd, file.dataDir ?? DEFAULTS.dataDir);

  const instances: InstanceConfig[] = Object.entries(file.instances).map(([name, instance]) => {
    const list = authLists.get(name);
    const { auth, identities } = authLists.has(name) && list === undefined ? {} : buildIdentities(name, instance, list, secrets.get(name), issues);
    return {
      name,
      ...(instance.url !== undefined ? { url: instance.url } : {}),
      ...(instance.local !== undefined
        ? { local: { port: instance.local.port, memory: instance.local.memory ?? false, dataDir: join(dataDir, 'local-dataverse', name) } }
        : {}),
      ...(auth !== undefined ? { auth } : {}),
      ...(identities !== undefined ? { identities } : {}),
      ...(instance.source !== undefined ? { source: instance.source } : {}),
      tables: [...new Set(instance.tables)],
      stubDefaults: instance.stubDefaults ?? {},
      ...(instance.resilience !== undefined ? { resilience: instance.resilience } : {}),
      ...(instance.rateLimitWindowSeconds !== undefined ? { rateLimitWindowSeconds: instance.rateLimitWindowSeconds } : {}),
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
  const allowPrivateNetworks = file.webhooks?.allowPrivateNetworks ?? instances.every((instance) => instance.local !== undefined);

  const publicUrl = file.publicUrl?.replace(/\/+$/, '');
  if (publicUrl === undefined && !isLoopbackHost(host)) {
    issues.push(
      `PUBLIC_URL: required when HOST (${host}) is not a loopback address: the absolute Location of 202 answers and subscriptions is built from it, never from a request's Host header, which any client can set (e.g. PUBLIC_URL=https://dve.example.com)`,
    );
  }

  const fileKeys = file.apiKeys ?? [];
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
    bodyLimit: file.bodyLimit ?? DEFAULTS.bodyLimit,
    logLevel: file.logLevel ?? DEFAULTS.logLevel,
    ...(file.logFormat !== undefined ? { logFormat: file.logFormat } : {}),
    ...(file.existenceCache ? { existenceCache: file.existenceCache } : {}),
    ...(file.submitStrategy ? { submitStrategy: file.submitStrategy } : {}),
    apiKeys,
    apiKeySource,
    instances,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    queue: queueSettings(file.queue),
    reconciler: reconcilerSettings(file.reconciler),
    coalescing: coalescingSettings(file.coalescing),
    webhooks: {
      allowPrivateNetworks,
      ...(file.webhooks?.maxSubscriptionsPerKey !== undefined ? { maxSubscriptionsPerKey: file.webhooks.maxSubscriptionsPerKey } : {}),
    },
    ...(file.databaseUrl !== undefined ? { databaseUrl: file.databaseUrl } : {}),
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
      auth: (instance.identities?.[0]?.auth ?? instance.auth)?.kind ?? (instance.url?.startsWith('https:') ? 'default' : 'none'),
      ...(instance.identities ? { identities: instance.identities.map((identity) => ({ name: identity.name, auth: identity.auth.kind, maxConcurrent: identity.maxConcurrent })) } : {}),
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
