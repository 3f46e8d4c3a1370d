/** The Dataverse Web API client: the port (DataverseClient), its HTTP implementation and helpers. */
export * from './DataverseClient';
export * from './DataverseErrors';
export * from './ODataKeyLiteral';
export * from './ODataIdentifier';
export * from './ODataQuery';
export { WebApiClient, type WebApiClientIdentity, type WebApiClientOptions, webApiRoot, idFromEntityUrl } from './WebApiClient';
export type { IdentitySnapshot } from './identities/IdentityState';
export type { DataverseClientHooks, DataverseRequestDescription, DataverseResponseOutcome } from './DataverseHttpTransport';
export type { BatchPartResponse } from './BatchResponseReader';
export { MAX_BATCH_REQUESTS } from './BatchRequestWriter';
export { EntityMetadataCache } from './EntityMetadataCache';
export type { TokenProvider } from './auth/TokenProvider';
export { createTokenProvider, type DataverseAuth, dataverseScope, isLocalEnvironmentUrl } from './auth/createTokenProvider';
export { CoalescingDataverseClient, type CoalescingOptions } from './coalescing/CoalescingDataverseClient';
export { COALESCING_DEFAULTS, CoalescingSettingsSchema, coalescingSettings, type CoalescingSettings, type CoalescingSettingsInput } from './coalescing/CoalescingSettings';
export { GroupCommit, settle, type GroupCommitOptions, type Settled } from './coalescing/GroupCommit';
export { refusedForItsContent } from './coalescing/BatchRefusal';
export { localUserObjectId } from './auth/LocalUserTokenProvider';
