/** Per-instance resilience for the Dataverse client: retry, circuit breaker, timeout (cockatiel 3.2). */
export { createResilientHooks, type ResilientHooks } from './createResilientHooks';
export { CircuitOpenError, type CircuitRefusal } from './CircuitOpenError';
export { RecommendedParallelism, type ParallelismHint } from './RecommendedParallelism';
export { InstanceBreaker, type BreakerSnapshot, type IsolationHandle } from './InstanceBreaker';
export type { BreakerState, ResilienceEvents, ResilienceEventName, ResilienceListener } from './ResilienceEvents';
export type { ResilienceLogger } from './ResilienceLogger';
export {
  BreakerSettingsSchema,
  DEFAULT_RESILIENCE_SETTINGS,
  ResilienceSettingsSchema,
  resolveResilienceSettings,
  type BreakerSettings,
  type ResilienceSettings,
  type ResilienceSettingsInput,
} from './ResilienceSettings';
export { isTransientFailure, requestedDelayMs } from './TransientFailure';
