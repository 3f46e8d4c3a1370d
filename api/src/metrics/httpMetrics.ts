/**
 * HTTP metrics of the API itself: one counter and one duration histogram per request, labelled with
 * the **matched Express route pattern** (`/v1/instances/:instance/submit`), never the raw URL — ids,
 * keys and table names in URLs are user data and would make the label set unbounded.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';

/** The `route` label of a request that matched no route (404s, refusals before routing, static files). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Methods kept as they are in the `method` label; anything else becomes `OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface HttpRequestMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
}

/** What Express keeps of a matched route: `route.path` is the pattern relative to the router. */
interface MatchedRoute {
  readonly path?: unknown;
}

/**
 * Counts and times every request when its answer is finished (`finish`). Run it first, before
 * anything that may answer.
 *
 * The route is captured **when Express matches it**: Express 5's router sets `req.route` at that
 * moment, while `req.baseUrl` is the mount path of the router holding the route. Reading both only on
 * `finish` would be wrong when a route in a router mounted at a path fails and an app-level error
 * handler answers: the router restores `req.baseUrl` on the way out, but not `req.route`. So `route`
 * becomes an accessor on this request that remembers the `baseUrl` of the moment it was set.
 * A request whose answer never finished (client gone) is not counted.
 */
export function httpMetricsMiddleware(metrics: HttpRequestMetrics): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    let matched: { route: MatchedRoute; baseUrl: string } | undefined;
    let current: unknown;
    Object.defineProperty(request, 'route', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: unknown) => {
        current = value;
        if (value !== undefined && value !== null) matched = { route: value as MatchedRoute, baseUrl: request.baseUrl ?? '' };
      },
    });
    response.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
      const route = matched ? routeLabel(matched.baseUrl, matched.route.path) : UNMATCHED_ROUTE;
      metrics.requests.inc({ method, route, status: String(response.statusCode) });
      metrics.duration.observe({ method, route }, seconds);
    });
    next();
  };
}

/** `baseUrl` + the route's pattern; a RegExp or array pattern is shown as its source (still bounded). */
export function routeLabel(baseUrl: string, path: unknown): string {
  let pattern: string;
  if (typeof path === 'string') pattern = path;
  else if (path instanceof RegExp) pattern = path.toString();
  else if (Array.isArray(path)) pattern = path.map((item) => (item instanceof RegExp ? item.toString() : String(item))).join(',');
  else return UNMATCHED_ROUTE;
  const joined = `${baseUrl}${pattern === '/' && baseUrl !== '' ? '' : pattern}`;
  return joined === '' ? '/' : joined;
}
