/**
 * JSON request bodies: `application/json` only (415 otherwise), at most `limit` bytes (413), well
 * formed (400), and free of the property names that pollute prototypes when a body is merged into
 * another object (`__proto__`, `constructor`, `prototype`: 400 naming where they are) and of nesting
 * deeper than `MAX_JSON_DEPTH`.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ApiErrors } from '../core/ApiErrors';

export const FORBIDDEN_PROPERTY_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 32;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** The first forbidden property name or over-deep value, as a path such as `body.record.__proto__`. */
export function findUnsafeJson(value: unknown, path: string, depth = 0): { field: string; problem: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) return { field: path, problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnsafeJson(value[index], `${path}[${index}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_PROPERTY_NAMES.has(key)) return { field: `${path}.${key}`, problem: `the property name "${key}" is not allowed` };
    const found = findUnsafeJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function hasBody(request: Request): boolean {
  const length = request.get('content-length');
  return request.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Middleware chain for routes that take a JSON body. */
export function jsonBody(limit: number | string): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: 'application/json' });
  return [
    (request: Request, _response: Response, next: NextFunction) => {
      if (METHODS_WITH_BODY.has(request.method) && hasBody(request) && !request.is('application/json')) {
        next(ApiErrors.bodyNotJson(JSON.stringify(request.get('content-type') ?? 'none')));
        return;
      }
      next();
    },
    (request: Request, response: Response, next: NextFunction) => {
      parse(request, response, (error?: unknown) => {
        if (error === undefined || error === null) {
          const unsafe = findUnsafeJson(request.body, 'body');
          next(unsafe ? ApiErrors.invalidRequest(unsafe.field, unsafe.problem) : undefined);
          return;
        }
        const parserError = error as BodyParserError;
        switch (parserError.type) {
          case 'entity.too.large':
            next(ApiErrors.bodyTooLarge(typeof limit === 'number' ? `${limit} bytes` : limit));
            return;
          case 'entity.parse.failed':
            next(ApiErrors.invalidRequest('body', 'is not valid JSON (a JSON object is expected)'));
            return;
          case 'encoding.unsupported':
          case 'charset.unsupported':
            next(ApiErrors.bodyEncoded());
            return;
          default:
            next(parserError.status !== undefined && parserError.status < 500 ? ApiErrors.invalidRequest('body', 'could not be read') : error);
        }
      });
    },
  ];
}
