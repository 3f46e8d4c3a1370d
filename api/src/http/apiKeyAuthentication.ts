/**
 * Every `/v1` route needs an API key in `X-API-Key`. The presented key is hashed (SHA-256) and
 * compared with every configured hash in constant time (`matchApiKey`). A missing or wrong key is a
 * 401 JSON error, without a `WWW-Authenticate` challenge (there is no scheme a browser could offer).
 */
import type { NextFunction, Request, Response } from 'express';
import { matchApiKey } from '../config/ApiKeys';
import type { ApiKeyEntry } from '../config/ConfigSchema';
import { ApiErrors } from '../core/ApiErrors';
import { locals } from './requestContext';

export const API_KEY_HEADER = 'X-API-Key';
/** Longer values are not keys; refusing them early bounds the hashing work. */
const MAX_PRESENTED_KEY_LENGTH = 512;

export function apiKeyAuthentication(keys: readonly ApiKeyEntry[]) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const presented = request.get(API_KEY_HEADER);
    if (presented === undefined || presented === '') {
      next(ApiErrors.apiKeyMissing(API_KEY_HEADER));
      return;
    }
    const match = presented.length <= MAX_PRESENTED_KEY_LENGTH ? matchApiKey(presented, keys) : undefined;
    if (!match) {
      next(ApiErrors.apiKeyInvalid(API_KEY_HEADER));
      return;
    }
    locals(response).apiKeyName = match.name;
    locals(response).apiKeyRole = match.role ?? 'caller';
    next();
  };
}
