/**
 * Routes one Web API operation to its handler and turns any failure into a Dataverse-shaped error
 * response. Used for plain HTTP requests and for the parts of a `$batch` alike.
 */
import { DataverseErrors, DataverseHttpError } from '../errors/DataverseErrorFactory';
import { parseResourcePath, type ResourcePath } from '../odata/ResourcePath';
import type { RecordStore } from '../persistence/RecordStore';
import { executeMetadata } from './MetadataHandler';
import { executeRead } from './RecordReadHandler';
import { executeWrite, type WriteContext, type WriteResult } from './RecordWriteHandler';
import { jsonResponse, type WebApiRequest, type WebApiResponse } from './WebApiMessage';

export interface DispatchServices {
  store: RecordStore;
  /** Called for an unexpected (non-Dataverse) error before it is answered as 500. */
  onUnexpectedError?: (error: unknown) => void;
}

/** Reads and metadata: no unit of work needed. */
export function isRead(request: WebApiRequest): boolean {
  return request.method === 'GET';
}

export function executeReadOperation(request: WebApiRequest, path: ResourcePath, services: DispatchServices): WebApiResponse {
  if (path.kind === 'entityDefinitions') return executeMetadata(request, services.store.schema, path);
  if (path.kind === 'metadata') throw DataverseErrors.notSupported('The CSDL document ($metadata)');
  if (path.kind === 'batch') throw DataverseErrors.methodNotAllowed(request.method, request.path);
  return executeRead(request, path, services.store);
}

export function executeWriteOperation(request: WebApiRequest, path: ResourcePath, context: WriteContext): WriteResult {
  if (path.kind === 'entityDefinitions' || path.kind === 'metadata' || path.kind === 'count') {
    throw DataverseErrors.methodNotAllowed(request.method, request.path);
  }
  return executeWrite(request, path, context);
}

/** One operation outside a change set: a read, or a write in a unit of work of its own. */
export async function executeOperation(request: WebApiRequest, services: DispatchServices): Promise<WriteResult> {
  try {
    const path = parseResourcePath(request.path, services.store.schema);
    if (path.kind === 'batch') throw DataverseErrors.nestedBatch();
    if (isRead(request)) return { response: executeReadOperation(request, path, services) };
    return await services.store.write((tx) => executeWriteOperation(request, path, { schema: services.store.schema, tx }));
  } catch (error) {
    return { response: errorResponse(error, services) };
  }
}

export function errorResponse(error: unknown, services: Pick<DispatchServices, 'onUnexpectedError'>): WebApiResponse {
  if (error instanceof DataverseHttpError) return jsonResponse(error.status, error.toBody(), error.headers);
  services.onUnexpectedError?.(error);
  const internal = DataverseErrors.internal(error instanceof Error ? error.message : String(error));
  return jsonResponse(internal.status, internal.toBody());
}
