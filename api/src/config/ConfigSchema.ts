/**
 * The configuration file's shape (`dataverse-ensure.config.json`), validated with zod. Secrets have no
 * place here: client secrets and certificate passwords come from the environment only, and API keys are
 * stored as SHA-256 hashes. `loadConfig` turns a valid file plus the environment into an `AppConfig`.
 */
import { z } from 'zod';
import { QueueSettingsSchema } from '../queue/QueueSettings';
import { ReconcilerSettingsSchema } from '../reconciler/ReconcilerSettings';
import { CoalescingSettingsSchema } from '../dataverse/coalescing/CoalescingSettings';
import { ResilienceSettingsSchema } from '../resilience/ResilienceSettings';

/** Instance names: lower case, so `DVE_INSTANCE_<NAME>_…` environment variables map back to one name. */
export const INSTANCE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
/** Dataverse table logical names: lower case letters, digits and `_` (e.g. `account`, `ec_stub`). */
export const TABLE_LOGICAL_NAME = /^[a-z][a-z0-9_]{0,127}$/;
/** Column logical names, same rule. */
export const COLUMN_LOGICAL_NAME = TABLE_LOGICAL_NAME;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** pino's levels, most severe first (`silent`: none). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `LOG_FORMAT`: one JSON object a line, or readable lines. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
/** How submits with missing references are written: api/src/core/README.md, "Submit strategies". */
export const SUBMIT_STRATEGIES = ['single-round-trip', 'atomic'] as const;
/** `bodyLimit` as text: a size body-parser reads, such as "256kb" or "1mb" (a number is bytes). */
export const BODY_LIMIT_SIZE = /^\d+(\.\d+)?\s*(b|kb|mb)$/i;
export const BODY_LIMIT_MESSAGE = 'must be bytes or a size such as "1mb"';
const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL without credentials, query or fragment' },
);

const guidText = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$|^[A-Za-z0-9.-]{1,253}$/, {
  message: 'must be a GUID or a domain name',
});

const secretInFile = (name: string, variable: string) =>
  z.never({ message: `secrets are not read from the file: set ${variable} in the environment instead (${name})` }).optional();

/** An identity's label in logs and metrics (a `localUser`'s name is also what its token is made from). */
const identityName = z.string().regex(API_KEY_NAME, { message: 'must be 1–64 letters, digits, ".", "_" or "-"' });
/** Every identity: its label (default its position, `1`, `2`, …) and its own ceiling on requests under way. */
const identityFields = {
  name: identityName.optional(),
  /** At most this many requests under way as this identity (Dataverse allows 52 per user; `x-ms-dop-hint` may lower it). */
  maxConcurrent: z.number().int().min(1).max(52).optional(),
};

/**
 * How an instance authenticates: one identity (application user). `instances.<name>.auth` may also be
 * a list of them (1–16); `loadConfig` splits a list off before the parse (authList.ts) so each entry's
 * errors name its index. Secrets are filled in from the environment by `loadConfig`.
 */
export const AuthFileSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none'), ...identityFields }),
  z.strictObject({
    kind: z.literal('clientSecret'),
    ...identityFields,
    tenantId: guidText.optional(),
    clientId: z.uuid({ message: 'must be a GUID (the application (client) ID)' }).optional(),
    clientSecret: secretInFile('clientSecret', 'DVE_INSTANCE_<NAME>_CLIENT_SECRET'),
  }),
  z.strictObject({
    kind: z.literal('clientCertificate'),
    ...identityFields,
    tenantId: guidText.optional(),
    clientId: z.uuid({ message: 'must be a GUID (the application (client) ID)' }).optional(),
    certificatePath: z.string().min(1).optional(),
    certificatePassword: secretInFile('certificatePassword', 'DVE_INSTANCE_<NAME>_CERTIFICATE_PASSWORD'),
    sendCertificateChain: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal('managedIdentity'),
    ...identityFields,
    /** A user-assigned managed identity's client id; omitted: system-assigned / DefaultAzureCredential. */
    clientId: z.uuid({ message: 'must be a GUID (the managed identity client ID)' }).optional(),
    tenantId: guidText.optional(),
  }),
  /** A made-up application user of the local Dataverse (tests, the benchmark): an unsigned token whose `oid` comes from `name`. */
  z.strictObject({ kind: z.literal('localUser'), name: identityName, maxConcurrent: identityFields.maxConcurrent }),
]);

export const StubDefaultsSchema = z.strictObject({
  nameColumn: z.string().regex(COLUMN_LOGICAL_NAME, { message: 'must be a column logical name (a-z, 0-9, _)' }).optional(),
  columns: z.record(z.string().regex(COLUMN_LOGICAL_NAME, { message: 'must be a column logical name (a-z, 0-9, _)' }), z.unknown()).optional(),
  /** Write the stub marker column `ec_isstub` (true on stubs, false at hydration; docs/stub-marker.md). */
  marker: z.boolean().optional(),
});

export const InstanceFileSchema = z
  .strictObject({
    /** A real environment (`https://org.crm.dynamics.com`) or any Dataverse-compatible Web API. */
    url: httpUrl.optional(),
    /** A local Dataverse started by `npm start` on this port, persisted under DATA_DIR/local-dataverse/<name>. */
    local: z.strictObject({ port: z.number().int().min(0).max(65535), memory: z.boolean().optional() }).optional(),
    auth: AuthFileSchema.optional(),
    /** The instance records are replicated from. */
    source: z.string().regex(INSTANCE_NAME, { message: 'must be an instance name' }).optional(),
    /** The allow-list of tables (logical names). */
    tables: z
      .array(z.string().regex(TABLE_LOGICAL_NAME, { message: 'must be a table logical name (a-z, 0-9, _)' }))
      .min(1, { message: 'must list at least one table' }),
    stubDefaults: z.record(z.string().regex(TABLE_LOGICAL_NAME, { message: 'must be a table logical name' }), StubDefaultsSchema).optional(),
    /** Retry, circuit breaker and timeout for this instance (api/src/resilience/README.md); defaults apply. */
    resilience: ResilienceSettingsSchema.optional(),
    /** The service protection limits' sliding window in seconds (Dataverse: 300); the identities pace to it. */
    rateLimitWindowSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .superRefine((instance, context) => {
    if ((instance.url === undefined) === (instance.local === undefined)) {
      context.addIssue({ code: 'custom', message: 'give exactly one of "url" and "local"', path: [] });
    }
    for (const table of Object.keys(instance.stubDefaults ?? {})) {
      if (!instance.tables.includes(table)) context.addIssue({ code: 'custom', message: 'is not in this instance\'s "tables"', path: ['stubDefaults', table] });
    }
  });

/**
 * What a key may do. `caller` (the default): its own operations and subscriptions only. `admin`: every
 * caller's operations and subscriptions too (operators).
 */
export const API_KEY_ROLES = ['caller', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const ApiKeyEntrySchema = z.strictObject({
  name: z.string().regex(API_KEY_NAME, { message: 'must be 1–64 letters, digits, ".", "_" or "-"' }),
  sha256: z.string().regex(SHA256_HEX, { message: 'must be the lower-case hex SHA-256 of the key (64 characters); keys themselves never go in the file' }),
  role: z.enum(API_KEY_ROLES, { message: 'must be "caller" or "admin"' }).optional(),
});

export const ConfigFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    /** The API's public base URL (behind a proxy or TLS terminator), for the absolute `Location` of 202 answers. */
    publicUrl: httpUrl.optional(),
    /** Largest accepted JSON body: bytes, or a size such as "1mb". */
    bodyLimit: z.union([z.number().int().positive(), z.string().regex(BODY_LIMIT_SIZE, { message: BODY_LIMIT_MESSAGE })]).optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    existenceCache: z
      .strictObject({ maxEntries: z.number().int().positive().optional(), ttlSeconds: z.number().int().positive().optional() })
      .optional(),
    apiKeys: z.array(ApiKeyEntrySchema).optional(),
    /** How submits with missing references are written: api/src/core/README.md, "Submit strategies". */
    submitStrategy: z.enum(SUBMIT_STRATEGIES).optional(),
    /** The durable queue (api/src/queue/README.md); every setting has a default. */
    queue: QueueSettingsSchema.optional(),
    /** The hydration reconciler (api/src/reconciler/README.md); every setting has a default. */
    reconciler: ReconcilerSettingsSchema.optional(),
    /** Concurrent writes and lookups per instance coalesced into shared requests (api/src/dataverse/coalescing/README.md). */
    coalescing: CoalescingSettingsSchema.optional(),
    /** Webhook deliveries (api/src/webhooks/README.md); every setting has a default. */
    webhooks: z
      .strictObject({
        /** Callbacks to loopback and private networks; default: true only when every instance is `local`. */
        allowPrivateNetworks: z.boolean().optional(),
        /** Subscriptions one API key may hold (default 20). */
        maxSubscriptionsPerKey: z.number().int().min(1).max(10_000).optional(),
      })
      .optional(),
    instances: z.record(z.string().regex(INSTANCE_NAME, { message: 'instance names are a lower-case letter then a-z, 0-9, _ (at most 40)' }), InstanceFileSchema),
  })
  .superRefine((file, context) => {
    const names = Object.keys(file.instances);
    if (names.length === 0) context.addIssue({ code: 'custom', message: 'must declare at least one instance', path: ['instances'] });
    for (const [name, instance] of Object.entries(file.instances)) {
      if (instance.source === undefined) continue;
      if (instance.source === name) context.addIssue({ code: 'custom', message: 'an instance cannot be its own source', path: ['instances', name, 'source'] });
      else if (!names.includes(instance.source)) context.addIssue({ code: 'custom', message: `names no configured instance ("${instance.source}")`, path: ['instances', name, 'source'] });
    }
    const keyNames = new Set<string>();
    (file.apiKeys ?? []).forEach((entry, index) => {
      if (keyNames.has(entry.name)) context.addIssue({ code: 'custom', message: `duplicate key name "${entry.name}"`, path: ['apiKeys', index, 'name'] });
      keyNames.add(entry.name);
    });
  });

/**
 * What `loadConfig` validates in its one parse: the file with the environment applied (every variable's
 * value placed at its setting's path), plus the settings that only the environment may give.
 */
export const SettingsSchema = ConfigFileSchema.safeExtend({
  logFormat: z.enum(LOG_FORMATS, { message: `must be ${LOG_FORMATS.join(' or ')}` }).optional(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// connection string' }).optional(),
});
/** Keys of `SettingsSchema` that the file may not hold (`DATABASE_URL` may carry a password). */
export const ENVIRONMENT_ONLY_KEYS = ['logFormat', 'databaseUrl'] as const;

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
export type Settings = z.infer<typeof SettingsSchema>;
export type InstanceFile = z.infer<typeof InstanceFileSchema>;
export type AuthFile = z.infer<typeof AuthFileSchema>;
export type ApiKeyEntry = z.infer<typeof ApiKeyEntrySchema>;
