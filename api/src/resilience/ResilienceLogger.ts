/**
 * The part of a pino `Logger` the resilience policy uses (a pino logger fits as it is), and the silent
 * default.
 */
export interface ResilienceLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export const silentLogger: ResilienceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
