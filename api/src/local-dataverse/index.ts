/**
 * The local Dataverse: a Dataverse Web API v9.2 subset over HTTP, persisted in a data folder (or in
 * memory), with fault injection. The embedded default target of `npm start`, the demo's instances A and
 * B, and the test double of the product. See README.md in this folder.
 */
import { LocalDataverseServer } from './http/LocalDataverseServer';
import { MemoryJournal } from './persistence/RecordJournal';
import { PgliteJournal } from './persistence/PgliteJournal';
import { RecordStore } from './persistence/RecordStore';
import { DEFAULT_SCHEMA_PATH, loadSchema } from './schema/defaultSchema';
import { API_PREFIX } from './odata/ResourcePath';
import { limitSettingsSchema, type LimitSettingsInput } from './admin/ServiceProtectionLimits';

export interface LocalDataverseOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Keep records in memory only (tests). Exactly one of `memory` and `dataDir`. */
  memory?: boolean;
  /** Folder for the records (PGlite); opened by one process at a time. */
  dataDir?: string;
  /** Schema file declaring the tables; default: account, contact and ec_stub. */
  schemaPath?: string;
  maxBodyBytes?: number;
  onUnexpectedError?: (error: unknown) => void;
  /** Start with Dataverse's service protection limits on, e.g. `{ enabled: true }` (default off; `/_admin/limits` changes them). */
  limits?: LimitSettingsInput;
  /** Milliseconds since the epoch for the limits' sliding window and execution times (default `Date.now`; tests move it). */
  clock?: () => number;
}

export interface LocalDataverse {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  webApiUrl: string;
  port: number;
  server: LocalDataverseServer;
  store: RecordStore;
  close(): Promise<void>;
}

export async function startLocalDataverse(options: LocalDataverseOptions = {}): Promise<LocalDataverse> {
  if (options.memory && options.dataDir) throw new Error('Give either memory or dataDir, not both.');
  if (!options.memory && !options.dataDir) throw new Error('Give a dataDir, or memory: true.');
  const schema = loadSchema(options.schemaPath ?? DEFAULT_SCHEMA_PATH);
  const journal = options.dataDir ? await PgliteJournal.open(options.dataDir) : new MemoryJournal();
  let store: RecordStore;
  try {
    store = await RecordStore.open(schema, journal);
  } catch (error) {
    await journal.close();
    throw error;
  }
  store.onPersistFailure = (error) => options.onUnexpectedError?.(error);
  const limits = limitSettingsSchema.parse(options.limits ?? { enabled: false });
  const server = new LocalDataverseServer({ store, maxBodyBytes: options.maxBodyBytes, onUnexpectedError: options.onUnexpectedError, clock: options.clock });
  server.limits.configure(limits);
  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await store.close();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    webApiUrl: `${url}${API_PREFIX}`,
    port,
    server,
    store,
    close() {
      closing ??= server.close().then(() => store.close());
      return closing;
    },
  };
}

export { DEFAULT_SCHEMA_PATH } from './schema/defaultSchema';
export type { FaultSettings } from './admin/FaultInjector';
export type { LimitSettings, LimitSettingsInput } from './admin/ServiceProtectionLimits';
