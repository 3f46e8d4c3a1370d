/**
 * The a/b pair most suites run against: a is the source, b the target records are replicated to from a;
 * both allow account and contact, and a contact stub is named through its lastname (contact has no
 * `name`). Defined once, so the in-process fixtures (core, reconciler) and the configuration files the
 * service is started with (startService, spawned API processes) describe the same pair.
 */
import type { CoreInstance } from '../../api/src/core/InstanceRegistry';
import { CoalescingDataverseClient, WebApiClient } from '../../api/src/dataverse';
import { startLocalDataverse, type LocalDataverse } from '../../api/src/local-dataverse';

export const AB_TABLES: readonly string[] = ['account', 'contact'];
export const AB_STUB_DEFAULTS = { contact: { nameColumn: 'lastname' } } as const;

export interface LocalAB {
  a: LocalDataverse;
  b: LocalDataverse;
  clientA: WebApiClient;
  clientB: WebApiClient;
  /** The pair as the core takes it (the clients, coalescing, over HTTP; b's source is a). */
  instances: CoreInstance[];
}

/** Two in-memory local Dataverse instances on free ports, a Web API client for each, and the core's view of them. */
export async function startLocalAB(): Promise<LocalAB> {
  const [a, b] = await Promise.all([startLocalDataverse({ memory: true }), startLocalDataverse({ memory: true })]);
  const clientA = new WebApiClient({ url: a.url });
  const clientB = new WebApiClient({ url: b.url });
  return {
    a,
    b,
    clientA,
    clientB,
    instances: [
      // As main.ts wires them by default: concurrent writes coalesced into shared $batch requests.
      { name: 'a', url: a.url, client: new CoalescingDataverseClient(clientA), tables: [...AB_TABLES], stubDefaults: { ...AB_STUB_DEFAULTS } },
      { name: 'b', url: b.url, client: new CoalescingDataverseClient(clientB), source: 'a', tables: [...AB_TABLES], stubDefaults: { ...AB_STUB_DEFAULTS } },
    ],
  };
}

/**
 * The pair's `instances` in a configuration file: how each is reached (`{ url }` or `{ local }`) and any
 * more settings come from the caller; the tables, b's source and b's stub defaults from here.
 */
export function abConfigInstances(a: Record<string, unknown>, b: Record<string, unknown>): Record<'a' | 'b', Record<string, unknown>> {
  return {
    a: { ...a, tables: [...AB_TABLES] },
    b: { ...b, source: 'a', tables: [...AB_TABLES], stubDefaults: AB_STUB_DEFAULTS },
  };
}
