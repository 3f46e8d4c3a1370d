/**
 * The HTTP front of a local Dataverse instance: reads bodies within a size limit, applies the service
 * protection limits (when enabled) and injected faults, counts requests, serves `/_admin` (loopback
 * only) and hands Web API operations to the dispatcher. Plain `node:http`: the URL space is small and every answer must be Dataverse-shaped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { z } from 'zod';
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { executeBatch } from '../batch/BatchHandler';
import { errorResponse, executeOperation, type DispatchServices } from '../handlers/WebApiDispatcher';
import type { WebApiRequest, WebApiResponse } from '../handlers/WebApiMessage';
import { API_PREFIX } from '../odata/ResourcePath';
import type { RecordStore } from '../persistence/RecordStore';
import { faultSettingsSchema, FaultInjector, type FaultDecision } from '../admin/FaultInjector';
import { RequestStats } from '../admin/RequestStats';
import { limitSettingsSchema, ServiceProtectionLimits } from '../admin/ServiceProtectionLimits';
import { callerIdOf } from './CallerIdentity';

export interface ServerOptions {
  store: RecordStore;
  /** Requests with a larger body are refused with 413 (default 16 MiB). */
  maxBodyBytes?: number;
  onUnexpectedError?: (error: unknown) => void;
  /** Milliseconds since the epoch for the service protection limits' window and execution times (tests move it). */
  clock?: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export class LocalDataverseServer {
  readonly faults = new FaultInjector();
  readonly stats = new RequestStats();
  readonly limits: ServiceProtectionLimits;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly maxBodyBytes: number;
  private readonly services: DispatchServices;

  constructor(private readonly options: ServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.limits = new ServiceProtectionLimits(options.clock);
    this.services = { store: options.store, onUnexpectedError: options.onUnexpectedError };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.onUnexpectedError?.(error);
        if (!res.headersSent) send(res, errorResponse(error, this.services));
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Give in-flight requests a moment, then drop whatever is left (keep-alive clients).
    const timer = setTimeout(() => this.sockets.forEach((s) => s.destroy()), 2000);
    await closed;
    clearTimeout(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname.startsWith('/_admin/')) return this.handleAdmin(req, res, url);

    const arrivedAt = Date.now();
    const method = req.method ?? 'GET';
    const callerId = callerIdOf(req.headers.authorization);
    this.stats.countRequest(method, callerId);
    const answered = this.stats.started();
    // One admission per HTTP request: a `$batch` counts as ONE request toward the number-of-requests
    // limit, and its whole execution time toward the execution-time limit, which exists to counter
    // bundling requests into batches (Microsoft Learn, "Service protection API limits", section "How
    // service protection API limits are enforced":
    // https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
    const admission = this.limits.enabled ? this.limits.admit(callerId) : undefined;
    try {
      const fault: FaultDecision = admission?.refusal ? { kind: 'pass' } : this.faults.decide();
      if (fault.kind === 'drop') {
        this.stats.record({ at: arrivedAt, method, path: url.pathname, status: 0 });
        admission?.complete();
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'delay') await sleep(fault.ms);
      const response = admission?.refusal ? errorResponse(admission.refusal, this.services) : await this.respond(req, url, fault, callerId);
      this.stats.record({ at: arrivedAt, method, path: url.pathname, status: response.status });
      const dopHint = this.faults.current.dopHint;
      const extra: Record<string, string> = dopHint === undefined ? {} : { 'x-ms-dop-hint': String(dopHint) };
      // The remaining budget is computed as the answer leaves, after this request's execution time is booked.
      Object.assign(extra, admission?.complete());
      send(res, { ...response, headers: { ...response.headers, ...extra } });
    } finally {
      admission?.complete();
      answered();
    }
  }

  private async respond(req: IncomingMessage, url: URL, fault: FaultDecision, callerId: string): Promise<WebApiResponse> {
    try {
      if (fault.kind === 'unavailable') throw DataverseErrors.serviceUnavailable();
      if (fault.kind === 'throttle') throw DataverseErrors.throttled(fault.retryAfterSeconds);
      if (!url.pathname.startsWith(API_PREFIX)) throw DataverseErrors.resourceNotFound(url.pathname.split('/').filter(Boolean)[0] ?? '');
      const body = await readBody(req, this.maxBodyBytes);
      const host = req.headers.host ?? '127.0.0.1';
      const rawPath = (req.url ?? '/').split('?')[0]!.slice(API_PREFIX.length);
      const request: WebApiRequest = {
        method: req.method ?? 'GET',
        path: rawPath,
        query: url.searchParams,
        headers: req.headers as Record<string, string | undefined>,
        body,
        baseUrl: `http://${host}${API_PREFIX}`,
        callerId,
      };
      if (rawPath === '$batch') {
        let operations = 0;
        const response = await executeBatch(request, {
          ...this.services,
          onOperation: (m) => {
            operations += 1;
            this.stats.countBatchOperation(m);
          },
        });
        // Dataverse runs a batch's operations one after another: `slow` charges each one after the first.
        if (fault.kind === 'delay' && fault.perBatchOperationMs > 0 && operations > 1) await sleep(fault.perBatchOperationMs * (operations - 1));
        return response;
      }
      return (await executeOperation(request, this.services)).response;
    } catch (error) {
      // Unexpected errors too are answered here (500), so they carry the same headers as any answer.
      return errorResponse(error, this.services);
    }
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const json = (status: number, body: unknown) =>
      send(res, { status, headers: { 'Content-Type': 'application/json' }, body });
    if (!isLoopback(req.socket.remoteAddress)) return json(403, { error: { code: 'Forbidden', message: '/_admin is for local use only.' } });
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /_admin/faults':
        return json(200, this.faults.current);
      case 'POST /_admin/faults': {
        const parsed = await readSettings(req, faultSettingsSchema, 'InvalidFault', '{"mode":"throttle","retryAfterSeconds":2}');
        if ('error' in parsed) return json(400, parsed);
        this.faults.set(parsed.settings);
        return json(200, parsed.settings);
      }
      case 'GET /_admin/limits':
        return json(200, { ...this.limits.current, callers: this.limits.usage() });
      case 'POST /_admin/limits': {
        const parsed = await readSettings(req, limitSettingsSchema, 'InvalidLimits', '{"enabled":true,"maxRequests":100}');
        if ('error' in parsed) return json(400, parsed);
        this.limits.configure(parsed.settings);
        return json(200, parsed.settings);
      }
      case 'GET /_admin/stats':
        return json(200, this.stats.snapshot());
      case 'POST /_admin/stats/reset':
        this.stats.reset();
        return json(200, this.stats.snapshot());
      case 'GET /_admin/requests':
        return json(200, { value: this.stats.requests(Number(url.searchParams.get('since') ?? 0)) });
      default:
        return json(404, { error: { code: 'NotFound', message: `No admin route ${route}.` } });
    }
  }
}

type AdminError = { error: { code: string; message: string; field: string } };

/** An admin settings body: JSON that `schema` accepts, or the 400 body naming the first bad field. */
async function readSettings<T>(req: IncomingMessage, schema: z.ZodType<T>, code: string, example: string): Promise<{ settings: T } | AdminError> {
  let raw: unknown;
  try {
    raw = JSON.parse((await readBody(req, 64 * 1024)) ?? '');
  } catch {
    return { error: { code: 'InvalidJson', message: `The body must be JSON such as ${example}.`, field: 'body' } };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { settings: parsed.data };
  const fieldOf = (issue: z.core.$ZodIssue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.map(String).join('.') || 'body';
  const message = parsed.error.issues.map((i) => `${fieldOf(i)}: ${i.message}`).join('; ');
  return { error: { code, message, field: fieldOf(parsed.error.issues[0]!) } };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    return Promise.reject(DataverseErrors.bodyTooLarge(limit));
  }
  if (declared === 0 || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(DataverseErrors.bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks, size).toString('utf8')));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, response: WebApiResponse): void {
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...response.headers };
  let payload: string | undefined;
  if (response.body !== undefined) payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  if (response.status === 413) headers.Connection = 'close';
  res.writeHead(response.status, headers);
  res.end(payload);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}
