/**
 * The configured instances by name: lookup (an unknown name is `unknownInstance`), each instance's
 * table allow-list, table metadata by logical name or by entity set — only for allowed tables — and
 * each instance's `ec_stub` table (`stubs/StubRepository.ts`, reporting to the given observer).
 */
import type { DataverseClient, EntityMetadata } from '../dataverse';
import { ApiErrors } from './ApiErrors';
import { clip } from './clip';
import { ExistenceLookups } from './ExistenceLookup';
import { StubMarkerTables } from './StubMarker';
import { StubRepository, type StubChangeObserver } from './stubs';

export interface StubDefaults {
  /** Column that receives the stub's name; default the table's primary name column (contact: lastname). */
  nameColumn?: string;
  /** Columns every stub of this table gets, e.g. a status that business logic filters on. */
  columns?: Record<string, unknown>;
  /** Write the stub marker `ec_isstub` when the table has it (`StubMarker.ts`). */
  marker?: boolean;
}

export interface CoreInstance {
  name: string;
  /** Environment URL as configured (no secrets). */
  url: string;
  /** Created and closed by whoever configured the instance (main.ts, a test fixture), never by the core. */
  client: DataverseClient;
  /** Name of the instance records are replicated from (stub GUIDs by alternate key are looked up there). */
  source?: string;
  /** Logical names of the tables this instance allows (the allow-list). */
  tables: string[];
  stubDefaults: Record<string, StubDefaults>;
  /** The instance's circuit breaker (api/src/resilience), shown by `instances()` and `/ready`. */
  breaker?: { snapshot(): { state: 'closed' | 'open' | 'half-open' | 'isolated'; openUntil?: string } };
}

export interface InstanceRegistryOptions {
  /** Hears of every stub change the core writes (the events bus, api/src/events). */
  stubEvents?: StubChangeObserver;
  /** A table has the stub marker enabled but not the column: called once per instance and table (for the log). */
  onStubMarkerMissing?: (instance: string, table: string) => void;
  /** Existence lookups under way at once per instance, concurrent ones coalesced (`ExistenceLookup.ts`); absent: each lookup its own request. */
  lookupsInFlight?: number;
}

export class InstanceRegistry {
  private readonly byName = new Map<string, CoreInstance>();
  private readonly stubTables = new Map<string, StubRepository>();
  private readonly existence = new Map<string, ExistenceLookups>();
  /** Which tables' stubs carry the marker `ec_isstub`, decided once per instance and table. */
  readonly stubMarkers: StubMarkerTables;

  constructor(instances: readonly CoreInstance[], options: InstanceRegistryOptions = {}) {
    this.stubMarkers = new StubMarkerTables(options.onStubMarkerMissing);
    for (const instance of instances) {
      if (this.byName.has(instance.name)) throw new Error(`instance '${instance.name}' is configured twice`);
      this.byName.set(instance.name, instance);
      this.stubTables.set(instance.name, new StubRepository(instance.name, instance.client, options.stubEvents));
      this.existence.set(instance.name, new ExistenceLookups(instance.client, options.lookupsInFlight));
    }
    for (const instance of instances) {
      if (instance.source && !this.byName.has(instance.source)) {
        throw new Error(`instance '${instance.name}' names source '${instance.source}', which is not configured`);
      }
    }
  }

  all(): CoreInstance[] {
    return [...this.byName.values()];
  }

  /** The instance named `name` (the action's `instance`), or `unknownInstance`. */
  get(name: string): CoreInstance {
    const instance = this.byName.get(name);
    if (!instance) throw ApiErrors.unknownInstance(name, [...this.byName.keys()]);
    return instance;
  }

  /** The instance's `ec_stub` table: every read and write of its rows. */
  stubs(instance: CoreInstance): StubRepository {
    return this.stubTables.get(instance.name)!;
  }

  /** Which records exist in the instance: its existence lookups (coalesced when configured). */
  lookups(instance: CoreInstance): ExistenceLookups {
    return this.existence.get(instance.name)!;
  }

  /**
   * The instance named `name` when Ensure, Submit and Hydrate may write to it: it has a source, so
   * replication hydrates the stubs made there. Else `unknownInstance` or `notReplicatedInto`.
   */
  target(name: string): CoreInstance {
    const instance = this.get(name);
    if (!instance.source) throw ApiErrors.notReplicatedInto(instance.name, this.all().filter((i) => i.source).map((i) => i.name));
    return instance;
  }

  /** The instance records of `instance` are replicated from, if configured. */
  sourceOf(instance: CoreInstance): CoreInstance | undefined {
    return instance.source ? this.byName.get(instance.source) : undefined;
  }

  /** `field`: where the table is named in the action's input (`table`, `references.<nav>.table`). */
  allowTable(instance: CoreInstance, table: string, field: string): void {
    if (!instance.tables.includes(table)) throw ApiErrors.tableNotAllowed(field, clip(table, 100), instance.name, instance.tables);
  }

  /** An allowed table's metadata. */
  async table(instance: CoreInstance, table: string, field: string): Promise<EntityMetadata> {
    this.allowTable(instance, table, field);
    return instance.client.getEntityMetadata(table);
  }

  /** The allowed table whose entity set is `entitySet` (a bind's target). */
  async tableBySet(instance: CoreInstance, entitySet: string, field: string): Promise<EntityMetadata> {
    for (const table of instance.tables) {
      const meta = await instance.client.getEntityMetadata(table);
      if (meta.entitySetName === entitySet) return meta;
    }
    throw ApiErrors.entitySetNotAllowed(field, entitySet, instance.name);
  }
}
