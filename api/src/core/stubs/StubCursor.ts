/**
 * The `skipToken` of `listStubs`: a keyset cursor the service writes and reads itself.
 *
 * Why not Dataverse's own `@odata.nextLink`: passing it through (checked by prefix only) let a caller
 * send any query on `ec_stubs` through the token. Signing it with an HMAC would need a secret that
 * every replica shares (with `DATABASE_URL` and two replicas, a per-process secret breaks paging
 * whenever the next page lands on the other replica) and one more thing to configure and rotate.
 * A keyset cursor needs no secret: the token holds only values — the instance and filters it was
 * issued for, and the sort position (createdon, ec_stubid) of the last row returned — each validated
 * on the way back in, and the query is rebuilt from them by the service. A forged token can therefore
 * express at most a query the caller could ask for with the parameters anyway; the checksum only
 * tells a token that was damaged or edited (so it fails clearly rather than paging from a wrong place).
 *
 * Token: `<base64url(JSON)>.<checksum>`; the JSON is `{ v: 1, i: instance, s?: state, t?: table,
 * o?: olderThanSeconds, c: createdon of the last row, r: its ec_stubid }`. Paging order is `createdon`
 * then `ec_stubid` (createdon has whole seconds, so many stubs share one), and the next page is
 * `createdon gt c or (createdon eq c and ec_stubid gt r)`: every stub that existed when paging began
 * comes exactly once, also when rows are added meanwhile (a new row comes once, or not at all when it
 * sorts before the position already passed).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ApiError } from '../ApiError';
import { ApiErrors } from '../ApiErrors';
import type { StubQuery, StubState } from '../EnsureService';

/** The token's field in the stub query (the HTTP layer answers `query.skipToken`). */
export const SKIP_TOKEN_FIELD = 'skipToken';
const VERSION = 1;
const CHECKSUM_LENGTH = 16;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** createdon as Dataverse writes it (whole seconds; a fraction accepted, never anything else). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;
const TABLE_NAME = /^[a-z][a-z0-9_]{0,127}$/;
export const MAX_OLDER_THAN_SECONDS = 315_360_000;

/** The filters a page was asked with; a token belongs to one set of them. */
export type StubFilters = Pick<StubQuery, 'state' | 'table' | 'olderThanSeconds'>;

/** Where the previous page ended. */
export interface StubPosition {
  createdOn: string;
  id: string;
}

export interface StubCursor {
  filters: StubFilters;
  after: StubPosition;
}

const CursorSchema = z.strictObject({
  v: z.literal(VERSION),
  i: z.string().max(64),
  s: z.enum(['Pending', 'Hydrated', 'Abandoned'] satisfies StubState[]).optional(),
  t: z.string().regex(TABLE_NAME).optional(),
  o: z.number().int().min(0).max(MAX_OLDER_THAN_SECONDS).optional(),
  c: z.string().regex(DATE_TIME).refine((value) => Number.isFinite(Date.parse(value))),
  r: z.string().regex(GUID),
});

function checksum(payload: string): string {
  return createHash('sha256').update(`dve-stub-cursor:${payload}`).digest('base64url').slice(0, CHECKSUM_LENGTH);
}

function invalid(reason: string): ApiError {
  return ApiErrors.skipTokenRefused(SKIP_TOKEN_FIELD, reason);
}

/** The token for the page after `last`, bound to the instance and filters of this listing. */
export function encodeStubCursor(instance: string, filters: StubFilters, last: StubPosition): string {
  if (!DATE_TIME.test(last.createdOn) || !GUID.test(last.id.toLowerCase())) throw new Error(`cannot page after an ec_stub row without createdon or id (${last.id})`);
  const body = {
    v: VERSION,
    i: instance,
    ...(filters.state !== undefined ? { s: filters.state } : {}),
    ...(filters.table !== undefined ? { t: filters.table } : {}),
    ...(filters.olderThanSeconds !== undefined ? { o: filters.olderThanSeconds } : {}),
    c: last.createdOn,
    r: last.id.toLowerCase(),
  };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${checksum(payload)}`;
}

/**
 * Reads a token for this instance. Filters given with it must be the ones it was issued for (a filter
 * left out is taken from the token); anything else — another instance's or filter's token, an edited
 * or made-up one, a Dataverse link — is a 400 naming `query.skipToken`.
 */
export function decodeStubCursor(token: string, instance: string, given: StubFilters): StubCursor {
  const [payload, sum, ...rest] = token.split('.');
  if (!payload || !sum || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload) || sum !== checksum(payload)) throw invalid('is not a token this API issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a token this API issued');
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) throw invalid('is not a token this API issued');
  const body = result.data;
  if (body.i !== instance) throw invalid(`was issued for another instance`);
  const issued: StubFilters = {
    ...(body.s !== undefined ? { state: body.s } : {}),
    ...(body.t !== undefined ? { table: body.t } : {}),
    ...(body.o !== undefined ? { olderThanSeconds: body.o } : {}),
  };
  for (const name of ['state', 'table', 'olderThanSeconds'] as const) {
    if (given[name] !== undefined && given[name] !== issued[name]) {
      throw invalid(`was issued for other filters (${describeFilters(issued)}), not ${name}=${String(given[name])}: send the first page's filters, or none`);
    }
  }
  return { filters: issued, after: { createdOn: body.c, id: body.r } };
}

function describeFilters(filters: StubFilters): string {
  const parts = Object.entries(filters).map(([name, value]) => `${name}=${String(value)}`);
  return parts.length > 0 ? parts.join(', ') : 'no filters';
}

/** `$filter` text for the rows after `after` in (createdon, ec_stubid) order; both values validated above. */
export function afterPositionFilter(after: StubPosition): string {
  if (!DATE_TIME.test(after.createdOn) || !GUID.test(after.id)) throw invalid('is not a token this API issued');
  return `(createdon gt ${after.createdOn} or (createdon eq ${after.createdOn} and ec_stubid gt ${after.id}))`;
}
