/** ec_stub rows relative to a fixed "now", shared by the PendingStubs tests. */
import { StubState } from '../../../pcf-control/common/StubTable';

export const NOW = new Date('2026-11-26T12:00:00.000Z');
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

export const STUB_IDS = {
  staleAccount: '5a1b0000-0000-0000-0000-000000000001',
  freshContact: '5a1b0000-0000-0000-0000-000000000002',
  hydratedAccount: '5a1b0000-0000-0000-0000-000000000003',
  abandonedAccount: '5a1b0000-0000-0000-0000-000000000004',
};

export const RECORD_IDS = {
  contoso: 'a0a0a0a0-1111-4111-8111-000000000001',
  nancy: 'c0c0c0c0-2222-4222-8222-000000000002',
  fabrikam: 'a0a0a0a0-3333-4333-8333-000000000003',
  litware: 'a0a0a0a0-4444-4444-8444-000000000004',
};

export function stubRows(): Record<string, unknown>[] {
  return [
    {
      ec_stubid: STUB_IDS.staleAccount,
      ec_table: 'account',
      ec_recordid: RECORD_IDS.contoso,
      ec_recordname: 'Contoso Ltd',
      ec_key: "accountnumber='A-100'",
      ec_stubstate: StubState.Pending,
      createdon: new Date(NOW.getTime() - 3 * HOUR - 5 * MINUTE),
      ec_attempts: 4,
      ec_lasterror: 'Source instance a answered 503 Service Unavailable',
      ec_hydrationrequestedon: null,
      ec_hydratedon: null,
    },
    {
      ec_stubid: STUB_IDS.freshContact,
      ec_table: 'contact',
      ec_recordid: RECORD_IDS.nancy,
      ec_recordname: 'Nancy Davolio',
      ec_key: RECORD_IDS.nancy,
      ec_stubstate: StubState.Pending,
      createdon: new Date(NOW.getTime() - 30 * MINUTE),
      ec_attempts: 0,
      ec_lasterror: null,
      ec_hydrationrequestedon: new Date(NOW.getTime() - 10 * MINUTE),
      ec_hydratedon: null,
    },
    {
      ec_stubid: STUB_IDS.hydratedAccount,
      ec_table: 'account',
      ec_recordid: RECORD_IDS.fabrikam,
      ec_recordname: 'Fabrikam Inc',
      ec_key: "accountnumber='A-200'",
      ec_stubstate: StubState.Hydrated,
      createdon: new Date(NOW.getTime() - 2 * DAY - HOUR),
      ec_attempts: 1,
      ec_lasterror: null,
      ec_hydrationrequestedon: null,
      ec_hydratedon: new Date(NOW.getTime() - 5 * HOUR),
    },
    {
      ec_stubid: STUB_IDS.abandonedAccount,
      ec_table: 'account',
      ec_recordid: RECORD_IDS.litware,
      ec_recordname: 'Litware',
      ec_key: "accountnumber='A-300'",
      ec_stubstate: StubState.Abandoned,
      createdon: new Date(NOW.getTime() - 4 * DAY),
      ec_attempts: 12,
      ec_lasterror: 'Record not found in source instance a',
      ec_hydrationrequestedon: null,
      ec_hydratedon: null,
    },
  ];
}
