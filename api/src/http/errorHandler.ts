/**
 * The last middleware: every error becomes a JSON answer. An `ApiError` (the one error type, made by
 * `ApiErrors`) keeps its status and body (`Retry-After` when it carries one); anything else is a 500
 * with a generic message and the request id — the details (stack included) go to the log, never to the caller.
 * A path the router cannot percent-decode (`/v1/operations/%zz`) is the caller's 400, naming `path`.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../core/ApiError';
import { ApiErrors } from '../core/ApiErrors';
import { locals } from './requestContext';

export function notFoundHandler(request: Request, _response: Response, next: NextFunction): void {
  next(ApiErrors.noSuchRoute(request.method, request.path));
}

export function errorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const requestId = locals(response).requestId;
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(Math.max(0, Math.ceil(error.retryAfterSeconds))));
      response.status(error.status).json(error.toBody());
      return;
    }
    if (isPathDecodingError(error)) {
      // The router could not percent-decode a path parameter: the caller's mistake, not ours. The
      // error's own message quotes the raw path segment; it is not echoed.
      const problem = ApiErrors.invalidRequest('path', 'is not correctly percent-encoded (each "%" must start an escape of two hexadecimal digits, and the escapes must form UTF-8)');
      response.status(problem.status).json(problem.toBody());
      return;
    }
    logger.error({ err: error, requestId, method: request.method, path: request.path }, 'unexpected error');
    const internal = ApiErrors.internal(requestId);
    response.status(internal.status).json(internal.toBody());
  };
}

/** Express's router marks a path parameter it cannot `decodeURIComponent` as a URIError with status 400. */
function isPathDecodingError(error: unknown): boolean {
  return error instanceof URIError && (error as URIError & { status?: unknown }).status === 400;
}
