import { Agent, type Dispatcher } from 'undici';
import type { TokenProvider } from './auth/TokenProvider';
import {
  DataverseError,
  dataverseErrorFromResponse,
  type FailedRequest,
  InvalidDataverseInputError,
  transientErrorFromException,
  UnauthorizedError,
} from './DataverseErrors';
import { IdentityPool, type PoolClock } from './identities/IdentityPool';
import { DEFAULT_PACING, IdentityState, MAX_CONCURRENT_PER_IDENTITY, type IdentitySnapshot, type PacingRule } from './identities/IdentityState';
import { DOP_HINT_HEADER, readBudget } from './identities/RateLimitHeaders';

/**
 * One HTTP exchange with Dataverse over undici (the HTTP client inside Node's fetch): default OData headers, the
 * bearer token of one of the instance's identities (chosen and paced by its IdentityPool), a per-request
 * timeout, a keep-alive connection pool, the hooks the resilience layer uses, and the mapping of failures
 * to DataverseErrors. No retries — but a 429 is re-sent at once on another identity when one is free
 * (identities/IdentityPool.ts).
 */

/** What the hooks see of a request: never headers or tokens. */
export interface DataverseRequestDescription {
  /** Client operation, e.g. `create`, `upsert`, `retrieve`, `query`, `batch`, `metadata`. */
  readonly operation: string;
  readonly method: string;
  /** Absolute URL (holds no secret: keys and filters only). */
  readonly url: string;
}

export interface DataverseResponseOutcome {
  /** HTTP status, absent when no answer came. */
  readonly status: number | undefined;
  readonly durationMs: number;
  readonly error: DataverseError | undefined;
  /**
   * The degree of parallelism the environment recommends, from its `x-ms-dop-hint` header (Dataverse
   * sends it with its answers; "Send parallel requests" in Microsoft's docs); absent when not sent.
   */
  readonly dopHint?: number;
  /** The identity (application user) the request went as, by its label. */
  readonly identity?: string;
}

/**
 * Extension points for the resilience layer (circuit breaker, retries) and metrics.
 * `wrap` receives each exchange as `attempt`; calling it again re-sends the same request (token
 * fetched anew). A signal passed to `attempt` aborts that exchange (its socket), e.g. on a policy's
 * timeout. `onRequest`/`onResponse` observe every attempt; exceptions they throw are ignored.
 */
export interface DataverseClientHooks {
  readonly wrap?: <T>(request: DataverseRequestDescription, attempt: (signal?: AbortSignal) => Promise<T>) => Promise<T>;
  readonly onRequest?: (request: DataverseRequestDescription) => void;
  readonly onResponse?: (request: DataverseRequestDescription, outcome: DataverseResponseOutcome) => void;
}

export interface DataverseHttpRequest {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON text (Content-Type JSON is added) — or other text with an explicit Content-Type header. */
  readonly body?: string;
  /** Statuses ≥ 400 to hand back instead of throwing (the failed-`$batch` case, ref 5.4). */
  readonly acceptFailure?: (status: number, contentType: string | undefined) => boolean;
}

/** Read access to an answer's headers, by name in any case (a multi-valued header joined with ", "). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface DataverseHttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly bodyText: string;
}

/** One application user of the instance. */
export interface TransportIdentity {
  /** Its label in logs and metrics. */
  readonly name: string;
  readonly tokenProvider: TokenProvider;
  /** Most requests under way at once for it (default and ceiling 52; lowered further by `x-ms-dop-hint`). */
  readonly maxConcurrent?: number;
}

export interface DataverseHttpTransportOptions {
  /** One identity (named `1`); or give `identities`. */
  readonly tokenProvider?: TokenProvider;
  /** Several application users: each request goes as one of them (IdentityPool). */
  readonly identities?: readonly TransportIdentity[];
  /** Per-request timeout covering connect, answer and body (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** Most open connections to the environment (default 52 per identity, Dataverse's concurrent-request limit, ref 6.4). */
  readonly maxConnections?: number;
  /** How long an idle connection is kept (default 30 000 ms). */
  readonly keepAliveTimeoutMs?: number;
  readonly hooks?: DataverseClientHooks;
  /** When identities are slowed down before a 429 (tests change it). */
  readonly pacing?: PacingRule;
  /** Dataverse's sliding window for the service protection limits (default 300 000 ms); overrides `pacing.windowMs`. */
  readonly rateLimitWindowMs?: number;
  /** The limiter's clock (tests give a fake one). */
  readonly clock?: PoolClock;
}

/** Sent on every request (ref: pitfalls file "Standard headers"; ref 6.1 `OData-Version: 4.0`). */
export const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  Accept: 'application/json',
  'OData-MaxVersion': '4.0',
  'OData-Version': '4.0',
};
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export class DataverseHttpTransport {
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly identities: IdentityPool;
  private readonly hooks: DataverseClientHooks;

  constructor(options: DataverseHttpTransportOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.hooks = options.hooks ?? {};
    if (!(this.timeoutMs > 0)) throw new InvalidDataverseInputError('timeoutMs must be positive');
    if (options.rateLimitWindowMs !== undefined && !(options.rateLimitWindowMs > 0)) throw new InvalidDataverseInputError('rateLimitWindowMs must be positive');
    const identities = options.identities ?? (options.tokenProvider ? [{ name: '1', tokenProvider: options.tokenProvider }] : []);
    if (identities.length === 0) throw new InvalidDataverseInputError('give a tokenProvider or at least one identity');
    const pacing = { ...(options.pacing ?? DEFAULT_PACING), ...(options.rateLimitWindowMs === undefined ? {} : { windowMs: options.rateLimitWindowMs }) };
    this.identities = new IdentityPool(
      identities.map((identity) => new IdentityState(identity.name, identity.tokenProvider, Math.min(MAX_CONCURRENT_PER_IDENTITY, identity.maxConcurrent ?? MAX_CONCURRENT_PER_IDENTITY), pacing)),
      options.clock,
    );
    this.dispatcher = new Agent({
      connections: options.maxConnections ?? MAX_CONCURRENT_PER_IDENTITY * identities.length,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    });
  }

  /** Sends the request through the `wrap` hook; resolves for 2xx/304 (and accepted failures). */
  send(request: DataverseHttpRequest): Promise<DataverseHttpResponse> {
    const description: DataverseRequestDescription = { operation: request.operation, method: request.method, url: request.url.href };
    const attempt = (signal?: AbortSignal) => this.attempt(request, description, signal);
    return this.hooks.wrap ? this.hooks.wrap(description, attempt) : attempt();
  }

  /** Each identity's state: requests under way, its limit, budget, rest. */
  identityStates(): IdentitySnapshot[] {
    return this.identities.snapshot();
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * One attempt: a slot on an identity (waiting, if need be, within the deadline), then the exchange;
   * on a 429 the pool re-sends on another identity before the attempt ends.
   */
  private async attempt(request: DataverseHttpRequest, description: DataverseRequestDescription, signal?: AbortSignal): Promise<DataverseHttpResponse> {
    const failed = { method: request.method, path: `${request.url.pathname}${request.url.search}` };
    const deadline = attemptDeadline(this.timeoutMs, signal);
    try {
      return await this.identities.run((identity) => this.exchange(request, description, failed, identity, deadline.signal), deadline.signal);
    } catch (error) {
      if (error instanceof DataverseError) throw error;
      throw transientErrorFromException(error, { request: failed }); // the deadline ended the wait for a slot
    } finally {
      deadline.dispose();
    }
  }

  private async exchange(
    request: DataverseHttpRequest,
    description: DataverseRequestDescription,
    failed: FailedRequest,
    identity: IdentityState,
    signal: AbortSignal,
  ): Promise<DataverseHttpResponse> {
    const headers: Record<string, string> = { ...DEFAULT_HEADERS };
    if (request.body !== undefined) headers['Content-Type'] = JSON_CONTENT_TYPE;
    Object.assign(headers, request.headers ?? {});
    const started = performance.now();
    observe(() => this.hooks.onRequest?.(description));
    const finish = (status: number | undefined, error: DataverseError | undefined, dopHint?: number) =>
      observe(() =>
        this.hooks.onResponse?.(description, { status, durationMs: performance.now() - started, error, ...(dopHint !== undefined ? { dopHint } : {}), identity: identity.name }),
      );

    let token: string | undefined;
    try {
      token = await identity.tokenProvider.getToken();
    } catch (cause) {
      const error = new UnauthorizedError({
        message: `could not get an access token: ${cause instanceof Error ? cause.message : String(cause)}`,
        request: failed,
        cause,
      });
      finish(undefined, error);
      throw error;
    }
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;

    let status: number;
    let responseHeaders: ResponseHeaders;
    let bodyText: string;
    try {
      // undici's request API rather than fetch: the same pool, a fraction of fetch's per-request cost
      // (no WHATWG streams), which matters on the hot path of every submit. Redirects are not followed.
      const response = await this.dispatcher.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: request.method,
        headers,
        body: request.body,
        signal,
      });
      status = response.statusCode;
      responseHeaders = toHeaders(response.headers);
      bodyText = await response.body.text();
    } catch (cause) {
      const error = transientErrorFromException(cause, { request: failed });
      finish(undefined, error);
      throw error;
    }

    const dopHint = parseDopHint(responseHeaders.get(DOP_HINT_HEADER));
    const budget = readBudget(responseHeaders);
    this.identities.observe(identity, (state) => state.observe(dopHint, budget));
    // 3xx other than 304 (e.g. a redirect to a sign-in page) is not an answer we can use.
    if (status >= 300 && status !== 304 && !request.acceptFailure?.(status, responseHeaders.get('content-type') ?? undefined)) {
      const error = dataverseErrorFromResponse(
        { status, bodyText, header: (name) => responseHeaders.get(name) ?? undefined },
        { request: failed, requestHeaders: request.headers },
      );
      finish(status, error, dopHint);
      throw error;
    }
    finish(status, undefined, dopHint);
    return { status, headers: responseHeaders, bodyText };
  }
}

/**
 * One controller per attempt, aborted by the timeout or by the caller's signal. Cheaper than
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` on the hot path, and its timer and listener
 * are removed as soon as the answer is in (`dispose`).
 */
function attemptDeadline(timeoutMs: number, signal: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** A positive whole number, or undefined for anything else (a header is never trusted blindly). */
export function parseDopHint(value: string | null): number | undefined {
  if (value === null || !/^\s*\d{1,4}\s*$/.test(value)) return undefined;
  const hint = Number(value);
  return hint >= 1 ? hint : undefined;
}

/**
 * undici's header object (names already lower-case) behind a `get`, like fetch's `Headers` without
 * building one per answer on the hot path.
 */
function toHeaders(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  return {
    get: (name) => {
      const key = name.toLowerCase();
      const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function observe(callback: () => void): void {
  try {
    callback();
  } catch {
    // observers must not change the outcome of a request
  }
}
