/**
 * Two in-memory local Dataverse instances over real HTTP (a = source, b = target), the core wired to
 * them, the queue's database (pg-boss on in-memory PGlite, or a given PostgreSQL) and helpers to put
 * records and stubs in place, write as someone else, inject faults and count requests.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createEnsureCore, type EnsureCore } from '../../../api/src/core/createEnsureCore';
import type { CoreInstance } from '../../../api/src/core/InstanceRegistry';
import type { CallContext, EnsureActions, Stub } from '../../../api/src/core/EnsureService';
import type { WebApiClient } from '../../../api/src/dataverse';
import { StubEventBus, type StubEvent } from '../../../api/src/events';
import type { LocalDataverse } from '../../../api/src/local-dataverse';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { startReconciler, type Reconciler, type ReconcilerInstance, type ReconcilerSettingsInput } from '../../../api/src/reconciler';
import { startLocalAB } from '../../support/abInstances';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

export const context: CallContext = { origin: 'test:reconciler' };
export const silent = pino({ level: 'silent' });
/** pg-boss without background timers: tests drive what they need. */
export const QUIET_BOSS = { supervise: false, schedule: false } as const;

export interface RequestCounts {
  http: number;
  byMethod: Record<string, number>;
  operations: number;
  operationsByMethod: Record<string, number>;
}

export class ReconcilerFixture {
  a!: LocalDataverse;
  b!: LocalDataverse;
  clientA!: WebApiClient;
  clientB!: WebApiClient;
  instances!: CoreInstance[];
  core!: EnsureCore;
  boss!: QueueBoss;
  /** The stub events of the core and the reconcilers. */
  bus = new StubEventBus();
  /** The events the reconcilers caused (their hydrations, external marks, abandons). */
  readonly events: StubEvent[] = [];
  private readonly reconcilers: Reconciler[] = [];
  private readonly bosses: QueueBoss[] = [];

  /** `databaseUrl`: PostgreSQL for the queue's database; default in-memory PGlite. `bus`: where the stub events go. */
  async start(options: { databaseUrl?: string; bus?: StubEventBus } = {}): Promise<this> {
    ({ a: this.a, b: this.b, clientA: this.clientA, clientB: this.clientB, instances: this.instances } = await startLocalAB());
    if (options.bus) this.bus = options.bus;
    this.bus.subscribe((event) => {
      if (event.cause === 'reconciler' || event.cause === 'external') this.events.push(event);
    });
    this.core = createEnsureCore({ instances: this.instances, stubEvents: this.bus });
    this.boss = await this.openBoss(options.databaseUrl);
    return this;
  }

  async openBoss(databaseUrl?: string): Promise<QueueBoss> {
    const boss = databaseUrl ? await createQueue({ databaseUrl, boss: QUIET_BOSS }) : await createQueue({ memory: true, template: pgliteTemplateDump(), boss: QUIET_BOSS });
    this.bosses.push(boss);
    return boss;
  }

  /** A reconciler without its timer unless `enabled`; its events go to `bus` (and `events`). */
  reconciler(settings: ReconcilerSettingsInput = {}, options: { boss?: QueueBoss; service?: Pick<EnsureActions, 'hydrate'>; holder?: string; instances?: readonly ReconcilerInstance[] } = {}): Reconciler {
    const reconciler = startReconciler({
      instances: options.instances ?? this.instances,
      service: options.service ?? this.core,
      db: (options.boss ?? this.boss).getDb(),
      settings: { enabled: false, retryBaseSeconds: 0, ...settings },
      logger: silent,
      stubEvents: this.bus,
      ...(options.holder ? { holder: options.holder } : {}),
    });
    this.reconcilers.push(reconciler);
    return reconciler;
  }

  /** Stops every reconciler started so far (each gives its lease up). */
  async stopReconcilers(): Promise<void> {
    for (const reconciler of this.reconcilers.splice(0)) await reconciler.stop();
  }

  async stop(): Promise<void> {
    for (const reconciler of this.reconcilers.splice(0)) await reconciler.stop().catch(() => undefined);
    for (const boss of this.bosses.splice(0)) await boss.stop({ graceful: false }).catch(() => undefined);
    try {
      await Promise.all([this.clientA?.close(), this.clientB?.close()]);
    } finally {
      // Even when a client failed to close: servers left open keep jest waiting, silently, forever.
      await Promise.all([this.a?.close(), this.b?.close()]);
    }
  }

  /** An account in the source instance. */
  async sourceAccount(values: Record<string, unknown> = {}): Promise<string> {
    const id = randomUUID();
    await this.clientA.upsert('accounts', id, { name: `Source ${id.slice(0, 8)}`, accountnumber: `A-${id.slice(0, 8)}`, telephone1: '+1 555 0100', ...values }, { condition: 'createOnly' });
    return id;
  }

  /** A stub of the account `id` in the target (ensure by GUID). */
  async stub(id: string, table: 'account' | 'contact' = 'account'): Promise<void> {
    const result = await this.core.ensure('b', { table, key: { [`${table}id`]: id }, name: `Stub ${id.slice(0, 8)}` }, context);
    if (result.outcome !== 'created-stub') throw new Error(`expected a new stub of ${id}, got ${result.outcome}`);
  }

  async stubRow(id: string, table = 'account'): Promise<Stub> {
    const stub = await this.core.getStub('b', table, id);
    if (!stub) throw new Error(`no stub row for ${table} ${id}`);
    return stub;
  }

  /** A write to an instance as another caller (a different bearer token: another `_modifiedby_value`). */
  async writeAs(caller: string, instance: LocalDataverse, path: string, body: Record<string, unknown>): Promise<number> {
    const response = await fetch(`${instance.webApiUrl}${path}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${caller}` },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  }

  async record(instance: LocalDataverse, path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${instance.webApiUrl}${path}`);
    return (await response.json()) as Record<string, unknown>;
  }

  async fault(instance: LocalDataverse, settings: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${instance.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(settings) });
    if (!response.ok) throw new Error(`fault injection answered ${response.status}`);
  }

  /** The most requests the instance had under way at once since its stats were last reset. */
  async peakConcurrentRequests(instance: LocalDataverse): Promise<number> {
    const stats = (await (await fetch(`${instance.url}/_admin/stats`)).json()) as { peakConcurrentRequests: number };
    return stats.peakConcurrentRequests;
  }

  async resetStats(): Promise<void> {
    await Promise.all([this.a, this.b].map((instance) => fetch(`${instance.url}/_admin/stats/reset`, { method: 'POST' })));
  }

  async requests(instance: LocalDataverse): Promise<RequestCounts> {
    const stats = (await (await fetch(`${instance.url}/_admin/stats`)).json()) as {
      http: { total: number; byMethod: Record<string, number> };
      batchOperations: { total: number; byMethod: Record<string, number> };
    };
    return { http: stats.http.total, byMethod: stats.http.byMethod, operations: stats.batchOperations.total, operationsByMethod: stats.batchOperations.byMethod };
  }
}

/** A fixture for a whole test file: started before its tests, stopped after them. */
export function reconcilerFixtureForFile(): ReconcilerFixture {
  const fixture = new ReconcilerFixture();
  beforeAll(async () => {
    await fixture.start();
  });
  afterAll(async () => {
    await fixture.stop();
  });
  return fixture;
}
