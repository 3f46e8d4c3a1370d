/**
 * Names from `ControlManifest.Input.xml`, written once. No property-set is required: a maker may bind
 * one to another column, and an unbound one reads the `ec_stub` column of the same meaning
 * (docs/data-model.md), which is how the solution's grid and form configure the control.
 */
import { StubColumn } from '../../common/StubTable';

export const DATASET_NAME = 'stubs';

export const InputProperty = {
  staleAfterMinutes: 'staleAfterMinutes',
} as const;

export const DEFAULT_STALE_AFTER_MINUTES = 60;

export const PropertySet = {
  stubTable: 'stubTable',
  recordName: 'recordName',
  recordKey: 'recordKey',
  recordId: 'recordId',
  stubState: 'stubState',
  createdOn: 'createdOn',
  attempts: 'attempts',
  lastError: 'lastError',
  hydrationRequestedOn: 'hydrationRequestedOn',
  hydratedOn: 'hydratedOn',
} as const;

export type PropertySetName = (typeof PropertySet)[keyof typeof PropertySet];

/** The ec_stub column each property-set means when the view does not say otherwise. */
export const DefaultColumnOfPropertySet: Record<PropertySetName, string> = {
  stubTable: StubColumn.table,
  recordName: StubColumn.recordName,
  recordKey: StubColumn.key,
  recordId: StubColumn.recordId,
  stubState: StubColumn.state,
  createdOn: StubColumn.createdOn,
  attempts: StubColumn.attempts,
  lastError: StubColumn.lastError,
  hydrationRequestedOn: StubColumn.hydrationRequestedOn,
  hydratedOn: StubColumn.hydratedOn,
};
