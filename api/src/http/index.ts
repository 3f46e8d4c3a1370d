/** The HTTP layer: `createApp`, the logger, the API key header and the OpenAPI document. */
export { createApp, type CreateAppOptions, type HttpConfig, DEFAULT_BODY_LIMIT } from './createApp';
export { createLogger, REDACT_PATHS, REDACTED } from './logger';
export { API_KEY_HEADER } from './apiKeyAuthentication';
export { REQUEST_ID_HEADER } from './requestContext';
export { openApiDocument } from './openApiDocument';
