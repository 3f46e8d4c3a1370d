/**
 * Wires the pattern (ensure / submit / hydrate / stubs) for a set of Dataverse instances.
 * The HTTP layer builds the `CoreInstance`s from configuration and calls the returned service.
 */
import type { DataverseClient } from '../dataverse';
import type { EnsureService } from './EnsureService';

export interface StubDefaults {
  /** Column that receives the stub's name; default the table's primary name column (contact: lastname). */
  nameColumn?: string;
  /** Columns every stub of this table gets, e.g. a status that business logic filters on. */
  columns?: Record<string, unknown>;
}

export interface CoreInstance {
  name: string;
  /** Environment URL as configured (no secrets). */
  url: string;
  client: DataverseClient;
  /** Name of the instance records are replicated from (stub GUIDs by alternate key are looked up there). */
  source?: string;
  /** Logical names of the tables this instance allows (the allow-list). */
  tables: string[];
  stubDefaults: Record<string, StubDefaults>;
}

export interface EnsureCoreOptions {
  instances: CoreInstance[];
  /** Existence cache: bounded, with TTL. Defaults: 10,000 entries, 300 s. */
  existenceCache?: { maxEntries?: number; ttlSeconds?: number };
}

export interface EnsureCore extends EnsureService {
  close(): Promise<void>;
}

export function createEnsureCore(options: EnsureCoreOptions): EnsureCore {
  void options;
  throw new Error('createEnsureCore: being written');
}
