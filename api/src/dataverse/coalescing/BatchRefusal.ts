/**
 * Whether a request that several callers shared was refused for what is in it — a 4xx other than 429
 * (400 for the whole batch, 413 too large), or something the client would not send — so each caller
 * should try again on its own, where one caller's poison fails only that caller. A 401/403 is about the
 * identity, and 429, 5xx, timeouts and an open circuit are transient: those would fail every caller
 * alone too.
 */
import { DataverseError, ForbiddenError, InvalidDataverseInputError, ThrottledError, TransientError, UnauthorizedError } from '../DataverseErrors';

export function refusedForItsContent(error: unknown): boolean {
  if (error instanceof InvalidDataverseInputError) return true;
  if (!(error instanceof DataverseError)) return false;
  if (error instanceof ThrottledError || error instanceof TransientError || error instanceof UnauthorizedError || error instanceof ForbiddenError) return false;
  return error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 429;
}
