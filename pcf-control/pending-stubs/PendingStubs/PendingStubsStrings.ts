/**
 * Every string key the PendingStubs components use. The values live in
 * `strings/PendingStubs.1033.resx`; a test checks that each key here has a value there.
 */
import type { LocalizedStrings } from '../../common/LocalizedStrings';

export const PendingStubsStringKeys = [
  'Column_Table',
  'Column_RecordName',
  'Column_State',
  'Column_Age',
  'Column_Attempts',
  'Column_LastError',
  'Column_HydrationRequestedOn',
  'Column_HydratedOn',
  'State_Pending',
  'State_Hydrated',
  'State_Abandoned',
  'State_Unknown',
  'Age_JustNow',
  'Age_Minutes',
  'Age_Hours',
  'Age_Days',
  'Age_Tooltip',
  'Stale_Label',
  'Stale_Description',
  'Record_Open',
  'Record_KeyPrefix',
  'Value_None',
  'Summary_Label',
  'Summary_Pending',
  'Summary_PendingOnPage',
  'Summary_OldestPending',
  'Summary_OldestPendingNone',
  'Summary_HydratedLast24h',
  'Summary_HydratedLast24hOnPage',
  'Command_Bar_Label',
  'Command_RequestHydration',
  'Command_RequestHydration_Description',
  'Command_Refresh',
  'Selection_Count',
  'Empty_Message',
  'Loading_Message',
  'Error_Load',
  'Error_RequestHydration',
  'Success_RequestHydration',
  'Notice_Dismiss',
  'Paging_Label',
  'Paging_First',
  'Paging_Previous',
  'Paging_Next',
  'Paging_Status',
  'Paging_StatusWithTotal',
  'Grid_Label',
  'Grid_SelectAll',
  'Grid_SelectRow',
  'Grid_SortedAscending',
  'Grid_SortedDescending',
] as const;

export type PendingStubsStringKey = (typeof PendingStubsStringKeys)[number];

export type PendingStubsStrings = LocalizedStrings<PendingStubsStringKey>;
