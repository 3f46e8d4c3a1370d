/**
 * When an action tries again, named for what each failure means. Every rule allows one more attempt
 * only (the actions count); anything else is answered.
 */
import { ConcurrencyMismatchError, DataverseErrorCode, DuplicateRecordError, NotFoundError } from '../dataverse';
import { ChangeSetFailure } from './ChangeSets';

/**
 * A stub we tried to create (create-only, by GUID) exists: created meanwhile by someone else — another
 * replica, replication — between our existence check and our write. Look again.
 */
export function isChangeSetRace(error: unknown): boolean {
  return error instanceof ChangeSetFailure && error.part === 'stub' && error.error instanceof DuplicateRecordError;
}

/**
 * Dataverse refused a bind (404) to a reference the existence cache believed in: deleted meanwhile.
 * Forget the cached references and check again. A 404 on a stub or row part is not this.
 */
export function isStaleReference(error: unknown): boolean {
  if (error instanceof ChangeSetFailure) return error.part === 'record' && error.error instanceof NotFoundError;
  return error instanceof NotFoundError;
}

/**
 * A create refused because a record with our fresh GUID exists: our own earlier attempt landed (its
 * answer was lost and the write was sent again). A duplicate *alternate key* (0x80060892) is someone
 * else's record and stays an error.
 */
export function isOwnWriteCollision(error: unknown): boolean {
  return error instanceof DuplicateRecordError && error.code !== DataverseErrorCode.duplicateRecordEntityKey;
}

/**
 * The ec_stub row's `If-Match` failed: the row changed since we read it — hydrated meanwhile by another
 * replica, or by this very change set re-sent by the resilience layer after a lost answer, or touched
 * by a reconciler. Read the row again and decide again.
 */
export function isStubRowChangedMeanwhile(error: unknown): boolean {
  return error instanceof ConcurrencyMismatchError;
}
