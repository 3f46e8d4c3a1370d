/**
 * The core, wired: the configured instances (`InstanceRegistry.ts`), the existence cache, the per-key
 * locks, the submit strategy chosen by configuration (`single-round-trip` by default, or `atomic`;
 * `submit/`), the three actions (`actions/`), the stub queries (`StubQueryService.ts`) and the catalogue
 * (`Catalogue.ts`). Every `ec_stub` row is read and written by the instance's stub repository
 * (`stubs/`), which reports each stub change it writes to `stubEvents`. The result is all three parts of the service in one object; each consumer takes
 * the part it needs. The core opens no connection: the clients it is given are closed by whoever
 * created them.
 */
import { COALESCING_DEFAULTS } from '../dataverse';
import { ensure } from './actions/ensure';
import { hydrate } from './actions/hydrate';
import { submit } from './actions/submit';
import type { ActionParts } from './actions/ActionParts';
import { createCatalogue } from './Catalogue';
import type { EnsureActions, EnsureService } from './EnsureService';
import { ExistenceCache } from './ExistenceCache';
import { InstanceProbe } from './InstanceProbe';
import { InstanceRegistry, type CoreInstance } from './InstanceRegistry';
import { KeyedLock } from './KeyedLock';
import { createStubQueries } from './StubQueryService';
import type { StubChangeObserver } from './stubs';
import { atomicSubmit } from './submit/AtomicSubmit';
import { singleRoundTripSubmit } from './submit/SingleRoundTripSubmit';
import type { SubmitStrategy, SubmitStrategyImplementation, SubmitStrategyParts } from './submit/SubmitStrategy';

export interface EnsureCoreOptions {
  instances: CoreInstance[];
  /** Existence cache: bounded, with TTL. Defaults: 10,000 entries, 300 s. */
  existenceCache?: { maxEntries?: number; ttlSeconds?: number };
  /** How long a reachability probe may take (ms, default 5000). */
  probeTimeoutMs?: number;
  /** How long a probe's result is reused by `instances()` and `/ready` (ms, default 5000; ProbeCache.ts). */
  probeCacheMs?: number;
  /** The clock of the probe cache (tests). */
  now?: () => number;
  /**
   * How a submit with missing references is written (see README, "Submit strategies"):
   * - `single-round-trip` (default): one `$batch` with `odata.continue-on-error` — a change set per
   *   missing reference (stub + its ec_stub row; 412 = it already exists) and then the record. One round
   *   trip always; a record that Dataverse rejects can leave stubs behind (tracked, hydrated later).
   * - `atomic`: an existence query first, then one change set with the missing stubs, their rows and
   *   the record. Two round trips; a rejected record leaves nothing behind.
   */
  submitStrategy?: SubmitStrategy;
  /** Hears of every stub created or hydrated here (the events bus, api/src/events). */
  stubEvents?: StubChangeObserver;
  /** A table has `stubDefaults.<table>.marker` on but no `ec_isstub` column: called once per instance and table (main.ts logs it). */
  onStubMarkerMissing?: (instance: string, table: string) => void;
  /**
   * Concurrent existence lookups per instance share one query per table (`ExistenceLookup.ts`): at most
   * `maxInFlight` (default 4) under way, the rest wait for the next round. `false`: each its own request.
   */
  lookupCoalescing?: { maxInFlight?: number } | false;
}

export type { SubmitStrategy };

/** The three parts of the service in one object. */
export type EnsureCore = EnsureService;

const SUBMIT_STRATEGIES: Record<SubmitStrategy, (parts: SubmitStrategyParts) => SubmitStrategyImplementation> = {
  'single-round-trip': singleRoundTripSubmit,
  atomic: atomicSubmit,
};

export function createEnsureCore(options: EnsureCoreOptions): EnsureCore {
  const registry = new InstanceRegistry(options.instances, {
    ...(options.stubEvents ? { stubEvents: options.stubEvents } : {}),
    ...(options.onStubMarkerMissing ? { onStubMarkerMissing: options.onStubMarkerMissing } : {}),
    ...(options.lookupCoalescing === false ? {} : { lookupsInFlight: options.lookupCoalescing?.maxInFlight ?? COALESCING_DEFAULTS.maxBatchesInFlight }),
  });
  const cache = new ExistenceCache(options.existenceCache);
  const parts: ActionParts = {
    registry,
    cache,
    locks: new KeyedLock(),
    submitStrategy: SUBMIT_STRATEGIES[options.submitStrategy ?? 'single-round-trip']({ registry, cache }),
  };
  const actions: EnsureActions = {
    ensure: (instance, input, context) => ensure(parts, instance, input, context),
    submit: (instance, input, context) => submit(parts, instance, input, context),
    hydrate: (instance, input, context) => hydrate(parts, instance, input, context),
  };
  const probe = new InstanceProbe(options.probeTimeoutMs ?? 5000, options.probeCacheMs ?? 5000, options.now);
  return { ...actions, ...createStubQueries(registry), ...createCatalogue(registry, probe) };
}
