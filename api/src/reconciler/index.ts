/** The hydration reconciler (README.md): `startReconciler`, its settings and its lease. */
export { startReconciler, LEASE_NAME, type Reconciler, type RoundReport, type InstanceRoundReport, type ReconcilerInstance, type StartReconcilerOptions } from './Reconciler';
export { reconcilerSettings, retryDelaySeconds, RECONCILER_DEFAULTS, ReconcilerSettingsSchema, type ReconcilerSettings, type ReconcilerSettingsInput } from './ReconcilerSettings';
export { ReconcilerLease } from './ReconcilerLease';
export { hydrationColumns } from './HydrationColumns';
export type { SqlDatabase } from '../database/SqlDatabase';
