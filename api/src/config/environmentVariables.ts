/**
 * Every environment variable, in two declarative tables: the variable, the setting's path in the
 * configuration tree, and how its text is read. `applyEnvironment` writes each value into the raw tree
 * read from the file, before the one zod parse (`SettingsSchema`), so a value is held to the same rules
 * wherever it comes from and every error names its path; `origins` remembers which variable set which
 * path, so the message names the variable too. Secrets (client secrets, certificate passwords, API
 * keys) are the exception: they never enter the tree, so no message can echo one.
 */
import { LOG_LEVELS, SUBMIT_STRATEGIES, BODY_LIMIT_MESSAGE, INSTANCE_NAME } from './ConfigSchema';

/** Reads a variable's text into the raw value placed in the tree; undefined: treat as not set. */
type Reader = (text: string) => unknown;

/** The text as it is. */
const text: Reader = (value) => value;
/** Digits become a number; anything else stays text, for the schema to refuse. */
const integer: Reader = (value) => (/^\d+$/.test(value) ? Number(value) : value);
/** `true` / `false` in any case; blank: not set; anything else stays text, for the schema to refuse. */
const boolean: Reader = (value) => {
  const word = value.trim().toLowerCase();
  return word === '' ? undefined : word === 'true' ? true : word === 'false' ? false : value;
};
/** Comma-separated, blanks dropped. */
const list: Reader = (value) => value.split(',').map((item) => item.trim()).filter(Boolean);
/** Comma-separated names: one `localUser` identity each (the local Dataverse's made-up application users). */
const localUsers: Reader = (value) => (list(value) as string[]).map((name) => ({ kind: 'localUser', name }));

const PORT_EXPECTS = 'must be an integer from 0 to 65535';

export interface EnvironmentSetting {
  variable: string;
  /** Where the value goes in the tree (`SettingsSchema`). */
  path: readonly string[];
  read: Reader;
  /** How a bad value is described instead of the schema's message: the text form the variable takes. */
  expects?: string;
}

/** Variables that set one setting each. An error about it reads `PORT: must be …`. */
export const ENVIRONMENT_SETTINGS: readonly EnvironmentSetting[] = [
  { variable: 'PORT', path: ['port'], read: integer, expects: PORT_EXPECTS },
  { variable: 'HOST', path: ['host'], read: text },
  { variable: 'DATA_DIR', path: ['dataDir'], read: text },
  { variable: 'PUBLIC_URL', path: ['publicUrl'], read: text },
  { variable: 'BODY_LIMIT', path: ['bodyLimit'], read: integer, expects: BODY_LIMIT_MESSAGE },
  { variable: 'LOG_LEVEL', path: ['logLevel'], read: text, expects: `must be one of ${LOG_LEVELS.join(', ')}` },
  { variable: 'LOG_FORMAT', path: ['logFormat'], read: text },
  { variable: 'SUBMIT_STRATEGY', path: ['submitStrategy'], read: text, expects: `must be ${SUBMIT_STRATEGIES.join(' or ')}` },
  { variable: 'COALESCING_ENABLED', path: ['coalescing', 'enabled'], read: boolean, expects: 'must be true or false' },
  { variable: 'COALESCING_MAX_BATCHES_IN_FLIGHT', path: ['coalescing', 'maxBatchesInFlight'], read: integer, expects: 'must be an integer from 1 to 52' },
  { variable: 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS', path: ['webhooks', 'allowPrivateNetworks'], read: boolean, expects: 'must be true or false' },
  { variable: 'DATABASE_URL', path: ['databaseUrl'], read: text },
];

/**
 * Variables read outside the tree: `CONFIG_FILE` chooses the file; `API_KEYS` and `ADMIN_API_KEYS` hold
 * plain keys, hashed at load (`loadConfig`), never placed in the tree.
 */
export const OTHER_VARIABLES = ['CONFIG_FILE', 'API_KEYS', 'ADMIN_API_KEYS'] as const;

type AuthKind = 'clientSecret' | 'clientCertificate' | 'managedIdentity';

export interface InstanceSetting {
  /** `DVE_INSTANCE_<NAME>_<suffix>`. */
  suffix: string;
  /** Where the value goes under `instances.<name>`; absent for a secret. */
  path?: readonly string[];
  read: Reader;
  /** A value here makes the instance remote or local: the other of `url` and `local` goes. */
  replaces?: string;
  /** The auth kind the variable implies when the instance has no `auth` yet (`byCertificatePath`: `clientCertificate` when `_CERTIFICATE_PATH` is set too, else `clientSecret`). */
  impliesAuth?: AuthKind | 'byCertificatePath';
  /** A secret: kept apart from the tree (`InstanceSecrets`). */
  secret?: keyof InstanceSecrets;
  /** As `EnvironmentSetting.expects`. */
  expects?: string;
}

/** `DVE_INSTANCE_<NAME>_*`, longest suffix first so `_CLIENT_ID` does not eat `_MANAGED_IDENTITY_CLIENT_ID`. An error reads `instances.b.url: … (from DVE_INSTANCE_B_URL)`. */
export const INSTANCE_SETTINGS: readonly InstanceSetting[] = [
  { suffix: 'MANAGED_IDENTITY_CLIENT_ID', path: ['auth', 'clientId'], read: text, impliesAuth: 'managedIdentity' },
  { suffix: 'CERTIFICATE_PASSWORD', read: text, impliesAuth: 'clientCertificate', secret: 'certificatePassword' },
  { suffix: 'CERTIFICATE_PATH', path: ['auth', 'certificatePath'], read: text, impliesAuth: 'clientCertificate' },
  { suffix: 'CLIENT_SECRET', read: text, impliesAuth: 'clientSecret', secret: 'clientSecret' },
  { suffix: 'LOCAL_PORT', path: ['local', 'port'], read: integer, replaces: 'url', expects: PORT_EXPECTS },
  { suffix: 'LOCAL_USERS', path: ['auth'], read: localUsers },
  { suffix: 'RATE_LIMIT_WINDOW_SECONDS', path: ['rateLimitWindowSeconds'], read: integer, expects: 'must be an integer from 1 to 3600' },
  { suffix: 'TENANT_ID', path: ['auth', 'tenantId'], read: text, impliesAuth: 'byCertificatePath' },
  { suffix: 'CLIENT_ID', path: ['auth', 'clientId'], read: text, impliesAuth: 'byCertificatePath' },
  { suffix: 'SOURCE', path: ['source'], read: text },
  { suffix: 'TABLES', path: ['tables'], read: list },
  { suffix: 'URL', path: ['url'], read: text, replaces: 'local' },
];
export type InstanceVariable = (typeof INSTANCE_SETTINGS)[number]['suffix'];
const INSTANCE_PREFIX = 'DVE_INSTANCE_';
/** Most identities (application users) per instance. */
export const MAX_IDENTITIES = 16;
/** A variable of identity n ≥ 2 (`auth[n-1]`) ends in `_<n>`: `DVE_INSTANCE_B_CLIENT_SECRET_2`. */
const IDENTITY_SUFFIX = /^(.+)_([2-9]|1[0-6])$/;

/**
 * The environment variable for one instance setting, e.g. `instanceVariable('b', 'URL')` →
 * `DVE_INSTANCE_B_URL`; of identity n ≥ 2 (`identity` is its index, n - 1): `…_CLIENT_SECRET_2`.
 */
export function instanceVariable(instance: string, suffix: InstanceVariable, identity = 0): string {
  return `${INSTANCE_PREFIX}${instance.toUpperCase()}_${suffix}${identity > 0 ? `_${identity + 1}` : ''}`;
}

export interface InstanceSecrets {
  clientSecret?: string;
  certificatePassword?: string;
}

/** Which variable set a path, and how a bad value is described. */
export interface Origin {
  variable: string;
  /** A variable of its own (`PORT`): messages start with it. Else (`DVE_INSTANCE_B_URL`) they start with the path. */
  named: boolean;
  expects?: string;
}

export interface AppliedEnvironment {
  /** Dotted path (`instances.b.url`, `instances.b.auth[1].clientId`) → the variable that set it. */
  origins: Map<string, Origin>;
  /** Per instance name, its secrets, by identity (index 0: the unsuffixed variables). */
  secrets: Map<string, InstanceSecrets[]>;
  /** Variables that are no setting (`DVE_INSTANCE_B_COLOUR`). */
  issues: string[];
}

/** A JSON object of the raw configuration tree (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets `path` under `tree`, making objects on the way (replacing whatever else is there). */
function place(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) node = isObject(node[key]) ? node[key] : (node[key] = {});
  node[path[path.length - 1]!] = value;
}

/** Writes every set variable into `tree` (the file's raw object, changed in place); blank variables are not set. */
export function applyEnvironment(tree: Record<string, unknown>, env: NodeJS.ProcessEnv): AppliedEnvironment {
  const applied: AppliedEnvironment = { origins: new Map(), secrets: new Map(), issues: [] };
  for (const setting of ENVIRONMENT_SETTINGS) {
    const raw = env[setting.variable];
    const value = raw === undefined || raw === '' ? undefined : setting.read(raw);
    if (value === undefined) continue;
    place(tree, setting.path, value);
    applied.origins.set(setting.path.join('.'), { variable: setting.variable, named: true, ...(setting.expects ? { expects: setting.expects } : {}) });
  }
  applyInstanceEnvironment(tree, env, applied);
  return applied;
}

function applyInstanceEnvironment(tree: Record<string, unknown>, env: NodeJS.ProcessEnv, applied: AppliedEnvironment): void {
  const instances = isObject(tree['instances']) ? tree['instances'] : (tree['instances'] = {});
  // Sorted, so the order the variables are met in (and which one creates `auth`) never depends on the environment's.
  for (const [variable, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!variable.startsWith(INSTANCE_PREFIX) || value === undefined || value === '') continue;
    const found = findInstanceSetting(variable.slice(INSTANCE_PREFIX.length));
    if (!found) {
      applied.issues.push(
        `${variable}: not a known setting (expected ${INSTANCE_PREFIX}<NAME>_{${INSTANCE_SETTINGS.map((s) => s.suffix).join('|')}}, _2 … _${MAX_IDENTITIES} for identities 2 to ${MAX_IDENTITIES})`,
      );
      continue;
    }
    const { setting, name, identity } = found;
    const instance = isObject(instances[name]) ? instances[name] : (instances[name] = {});
    if (setting.secret !== undefined) {
      const secrets = applied.secrets.get(name) ?? [];
      secrets[identity] = { ...secrets[identity], [setting.secret]: value };
      applied.secrets.set(name, secrets);
    }
    const authPath = setting.impliesAuth === undefined ? undefined : identityAuth(instance, identity);
    if (authPath !== undefined && setting.impliesAuth !== undefined && !isObject(authPath.holder[authPath.key])) {
      const certificate = env[instanceVariable(name, 'CERTIFICATE_PATH', identity)];
      authPath.holder[authPath.key] = { kind: setting.impliesAuth === 'byCertificatePath' ? (certificate ? 'clientCertificate' : 'clientSecret') : setting.impliesAuth };
      applied.origins.set(`instances.${name}.${authPath.label}`, { variable, named: false });
    }
    if (setting.secret !== undefined) continue;
    if (setting.replaces !== undefined) delete instance[setting.replaces];
    if (authPath !== undefined) {
      // An auth field: into `auth`, or into `auth[n]` when the instance has a list of identities.
      place(authPath.holder[authPath.key] as Record<string, unknown>, setting.path!.slice(1), setting.read(value));
      applied.origins.set(`instances.${name}.${authPath.label}.${setting.path!.slice(1).join('.')}`, { variable, named: false, ...(setting.expects ? { expects: setting.expects } : {}) });
      continue;
    }
    place(instance, setting.path!, setting.read(value));
    applied.origins.set(`instances.${name}.${setting.path!.join('.')}`, { variable, named: false, ...(setting.expects ? { expects: setting.expects } : {}) });
  }
}

/** The setting, instance name and identity index a variable's name (after the prefix) stands for. */
function findInstanceSetting(rest: string): { setting: InstanceSetting; name: string; identity: number } | undefined {
  const plain = INSTANCE_SETTINGS.find((candidate) => rest.endsWith(`_${candidate.suffix}`));
  const plainName = plain ? rest.slice(0, -(plain.suffix.length + 1)).toLowerCase() : '';
  if (plain && INSTANCE_NAME.test(plainName)) return { setting: plain, name: plainName, identity: 0 };
  const numbered = IDENTITY_SUFFIX.exec(rest);
  if (!numbered) return undefined;
  const setting = INSTANCE_SETTINGS.find((candidate) => candidate.impliesAuth !== undefined && numbered[1]!.endsWith(`_${candidate.suffix}`));
  const name = setting ? numbered[1]!.slice(0, -(setting.suffix.length + 1)).toLowerCase() : '';
  return setting && INSTANCE_NAME.test(name) ? { setting, name, identity: Number(numbered[2]) - 1 } : undefined;
}

/**
 * Where identity `index`'s auth object lives: `instance.auth` while the instance has one identity, else
 * `instance.auth[index]` (a second identity's variable turns a single `auth` into a list).
 */
function identityAuth(instance: Record<string, unknown>, index: number): { holder: Record<string | number, unknown>; key: string | number; label: string } {
  if (index === 0 && !Array.isArray(instance['auth'])) return { holder: instance, key: 'auth', label: 'auth' };
  if (!Array.isArray(instance['auth'])) instance['auth'] = instance['auth'] === undefined ? [] : [instance['auth']];
  const list = instance['auth'] as unknown[];
  for (let slot = list.length; slot < index; slot++) list[slot] = {}; // a gap: its identity's errors will say what is missing
  return { holder: list as unknown as Record<number, unknown>, key: index, label: `auth[${index}]` };
}
