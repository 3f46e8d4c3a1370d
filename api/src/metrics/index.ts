/** Prometheus metrics of the service (prom-client): `createMetrics()`, the stub events listener, `/metrics`. */
export {
  createMetrics,
  ServiceMetrics,
  METRICS_PATH,
  METRICS_PREFIX,
  HTTP_DURATION_BUCKETS,
  DATAVERSE_DURATION_BUCKETS,
  TIME_TO_HYDRATE_BUCKETS,
  type CreateMetricsOptions,
  type OperationOutcome,
} from './ServiceMetrics';
export { stubMetricsListener, type StubEventSource, type StubRecorder } from './stubMetrics';
export { CIRCUIT_STATE_VALUES, attemptOutcome, type AttemptOutcome, type BreakerStateSource } from './dataverseMetrics';
export { UNMATCHED_ROUTE, routeLabel } from './httpMetrics';
export { COLLECT_TIMEOUT_MS, OPERATION_STATES, type OperationState, type QueueCollector, type QueueSnapshot } from './queueMetrics';
