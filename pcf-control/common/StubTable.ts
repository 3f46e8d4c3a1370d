/**
 * The Dataverse tracking table `ec_stub` as both controls read it (every column and state:
 * docs/data-model.md). Column logical names are written here once; nothing else spells them.
 */
export const StubTable = {
  logicalName: 'ec_stub',
  entitySetName: 'ec_stubs',
} as const;

export const StubColumn = {
  id: 'ec_stubid',
  name: 'ec_name',
  table: 'ec_table',
  recordId: 'ec_recordid',
  key: 'ec_key',
  recordName: 'ec_recordname',
  sourceInstance: 'ec_sourceinstance',
  state: 'ec_stubstate',
  attempts: 'ec_attempts',
  lastError: 'ec_lasterror',
  hydrationRequestedOn: 'ec_hydrationrequestedon',
  hydratedOn: 'ec_hydratedon',
  secondsToHydrate: 'ec_secondstohydrate',
  origin: 'ec_origin',
  /** Dataverse's own system column: when the stub (and so its tracking row) was created. */
  createdOn: 'createdon',
} as const;

export type StubColumnName = (typeof StubColumn)[keyof typeof StubColumn];

/** Choice values of `ec_stubstate` (option value prefix 10000). */
export const StubState = {
  Pending: 100000000,
  Hydrated: 100000001,
  Abandoned: 100000002,
} as const;

export type StubStateValue = (typeof StubState)[keyof typeof StubState];

export function toStubState(value: unknown): StubStateValue | undefined {
  const numeric = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  switch (numeric) {
    case StubState.Pending:
    case StubState.Hydrated:
    case StubState.Abandoned:
      return numeric;
    default:
      return undefined;
  }
}
