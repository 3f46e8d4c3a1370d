/**
 * The service's pino logger: one line per request (pino-http) with the request id and, when a flow
 * calls, its run id; the request's headers only at `debug`. JSON lines for log collectors, or
 * pino-pretty's readable lines on a terminal (`LOG_FORMAT`, default: pretty when stdout is a TTY).
 * Credentials never reach a log line: the API key and authorization headers and every secret-named
 * field are replaced by `[redacted]`; request bodies are not logged.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level?: pino.LevelWithSilent;
  /** `json` (default) or `pretty` (readable lines for a terminal). */
  format?: LogFormat;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

/** The format when none is set: readable on a terminal, JSON for whatever collects the output. */
export function defaultLogFormat(stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  return stdout.isTTY ? 'pretty' : 'json';
}

/** A request line as `POST /v1/instances/b/submit 202 12 ms`; other lines keep their message. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const request = log['req'] as { method?: string; url?: string } | undefined;
  const response = log['res'] as { statusCode?: number } | undefined;
  if (request?.method !== undefined && response?.statusCode !== undefined) {
    const time = typeof log['responseTime'] === 'number' ? ` ${Math.round(log['responseTime'])} ms` : '';
    return `${request.method} ${request.url} ${response.statusCode}${time}`;
  }
  return String(log[messageKey] ?? '');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const settings: pino.LoggerOptions = {
    level,
    base: { service: 'dataverse-ensure' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  if (options.format === 'pretty') {
    // In this thread (not a transport worker): lines come out in order with the banner, no extra thread.
    const stream = pretty({
      // Synchronous on stdout, like pino's JSON: lines and the banner come out in the order written.
      ...(options.destination ? { destination: options.destination as NodeJS.WritableStream, colorize: false } : { sync: true }),
      translateTime: 'SYS:HH:MM:ss.l',
      // Request lines say it all in their message; headers (debug) stay visible below them.
      ignore: `pid,hostname,service,res,responseTime${level === 'debug' || level === 'trace' ? '' : ',req'}`,
      singleLine: level !== 'debug' && level !== 'trace',
      messageFormat: prettyMessage,
    });
    return pino(settings, stream);
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
