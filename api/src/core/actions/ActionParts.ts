/** What the three actions share: the instances, the existence cache, the per-key locks and the submit strategy. */
import type { ExistenceCache } from '../ExistenceCache';
import type { InstanceRegistry } from '../InstanceRegistry';
import type { KeyedLock } from '../KeyedLock';
import type { SubmitStrategyImplementation } from '../submit/SubmitStrategy';

export interface ActionParts {
  registry: InstanceRegistry;
  cache: ExistenceCache;
  locks: KeyedLock;
  submitStrategy: SubmitStrategyImplementation;
}
