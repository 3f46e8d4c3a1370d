/**
 * The service's pino logger: JSON lines, one per request (pino-http) with the request id and, when a
 * flow calls, its run id. Credentials never reach a log line: the API key and authorization headers
 * and every secret-named field are replaced by `[redacted]`; request bodies are not logged.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED = '[redacted]';

/** pino `redact` paths: headers that carry credentials, and secret-named fields one or two levels deep. */
export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers["x-api-key"]',
  'headers.authorization',
  'apiKey',
  'clientSecret',
  'certificatePassword',
  '*.apiKey',
  '*.clientSecret',
  '*.certificatePassword',
  '*.*.clientSecret',
  '*.*.certificatePassword',
];

export interface LoggerOptions {
  level?: pino.LevelWithSilent;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'dataverse-ensure' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
