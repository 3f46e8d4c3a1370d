/**
 * What the Web API client reads from an answer: the record id in an `OData-EntityId` / `Location` URL,
 * a JSON object body, and a page of a collection (ref 4.4–4.7).
 */
import type { DataverseRecord, QueryPage, WriteResult } from './DataverseClient';
import { DataverseRequestError } from './DataverseErrors';
import type { DataverseHttpResponse } from './DataverseHttpTransport';
import { isGuid } from './ODataKeyLiteral';

const ENTITY_ID = /\((?:[A-Za-z_][A-Za-z0-9_]*=)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)$/;

/** The GUID at the end of an OData-EntityId / Location URL (`…/accounts(<guid>)`), if it is one. */
export function idFromEntityUrl(url: string | undefined | null): string | undefined {
  const match = url ? ENTITY_ID.exec(url.trim()) : null;
  return match ? (match[1] as string).toLowerCase() : undefined;
}

export function parseJsonBody(response: Pick<DataverseHttpResponse, 'status' | 'bodyText'>, request: { method: string; path: string }): Record<string, unknown> {
  try {
    const parsed = JSON.parse(response.bodyText) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DataverseRequestError({ status: response.status, message: 'expected a JSON object in the answer', request });
}

/** A collection answer (ref 4.4, 4.7): its records, `@odata.nextLink` and `@odata.count`. */
export function readQueryPage(response: DataverseHttpResponse, url: URL): QueryPage {
  const body = parseJsonBody(response, { method: 'GET', path: url.pathname + url.search });
  if (!Array.isArray(body.value)) throw new DataverseRequestError({ status: response.status, message: 'a collection answer has no value array', request: { method: 'GET', path: url.pathname } });
  const nextLink = body['@odata.nextLink'];
  const count = body['@odata.count'];
  return {
    records: body.value as DataverseRecord[],
    nextLink: typeof nextLink === 'string' ? nextLink : undefined,
    count: typeof count === 'number' ? count : undefined,
  };
}

/** The answer to a write: a direct response or a `$batch` part's (header names in any case). */
export interface WriteAnswer {
  readonly status: number;
  readonly header: (name: string) => string | undefined;
  readonly bodyText: string;
}

/**
 * What a create / upsert answered (ref 1.1, 1.2, 2.1, 2.2), the same whether it came alone or as a
 * `$batch` part: the id from `OData-EntityId`, else `knownId` (a GUID key), else — a representation
 * without that header, ref 1.2 — the primary id column (`primaryIdOf` reads it from the metadata).
 */
export async function readWriteResult(
  answer: WriteAnswer,
  knownId: string | undefined,
  request: { method: string; path: string },
  primaryIdOf: () => Promise<string | undefined>,
): Promise<WriteResult> {
  const entityIdUrl = answer.header('odata-entityid') ?? undefined;
  const etag = answer.header('etag') ?? undefined;
  if (answer.status === 204 || answer.bodyText.trim() === '') {
    return { id: idFromEntityUrl(entityIdUrl) ?? knownId, entityIdUrl, outcome: 'unknown', etag, record: undefined };
  }
  const record = parseJsonBody(answer, request);
  let id = idFromEntityUrl(entityIdUrl) ?? knownId;
  if (id === undefined) {
    const primaryId = await primaryIdOf();
    const value = primaryId === undefined ? undefined : record[primaryId];
    id = isGuid(value) ? value.toLowerCase() : undefined;
  }
  const recordEtag = record['@odata.etag'];
  return {
    id,
    entityIdUrl,
    outcome: answer.status === 201 ? 'created' : answer.status === 200 ? 'updated' : 'unknown',
    etag: etag ?? (typeof recordEtag === 'string' ? recordEtag : undefined),
    record,
  };
}
