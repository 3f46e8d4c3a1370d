/**
 * The HTTP layer under test: `createApp` on a real port (0 = free) with a small in-test
 * `EnsureService` that records every call and answers what a test tells it, and a pino logger whose
 * lines the test can read. The core itself is tested in test/api/core.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import type {
  CallContext,
  EnsureInput,
  EnsureResult,
  EnsureService,
  HydrateInput,
  HydrateResult,
  InstanceInfo,
  Stub,
  StubPage,
  StubQuery,
  StubSummary,
  SubmitInput,
  SubmitResult,
  TableInfo,
  TableJsonSchema,
} from '../../../api/src/core/EnsureService';
import { createApp, createLogger } from '../../../api/src/http';

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'other-key-0123456789abcdef';
export const ACCOUNT_ID = '6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f';

export interface RecordedCall {
  method: keyof EnsureService;
  args: unknown[];
}

export const ACCOUNT_TABLE: TableInfo = {
  logicalName: 'account',
  entitySetName: 'accounts',
  primaryIdAttribute: 'accountid',
  primaryNameAttribute: 'name',
  displayName: 'Account',
  title: 'Account (account)',
  keys: [{ name: 'ec_accountnumber', attributes: ['accountnumber'] }],
};

export const ACCOUNT_SCHEMA: TableJsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 160, 'x-ms-summary': 'Account Name' },
    accountnumber: { type: 'string', maxLength: 20, 'x-ms-summary': 'Account Number' },
    telephone1: { type: 'string', maxLength: 50, 'x-ms-summary': 'Main Phone' },
    accountid: { type: 'string', format: 'uuid', 'x-ms-summary': 'Account' },
    'primarycontactid@odata.bind': { type: 'string', 'x-ms-summary': 'primarycontactid (contact)' },
  },
};

export const PENDING_STUB: Stub = {
  id: '0b5f3f3e-1111-4c8e-9f00-0a1b2c3d4e5f',
  table: 'account',
  recordId: ACCOUNT_ID,
  key: { accountnumber: 'A-100' },
  name: 'Contoso',
  sourceInstance: 'a',
  state: 'Pending',
  attempts: 0,
  lastError: null,
  hydrationRequestedOn: null,
  hydratedOn: null,
  secondsToHydrate: null,
  origin: 'apikey:test',
  createdOn: '2026-11-26T10:00:00Z',
};

export const STUB_SUMMARY: StubSummary = {
  instance: 'b',
  generatedOn: '2026-11-26T10:05:00Z',
  counts: { pending: 1, hydrated: 2, abandoned: 0, total: 3 },
  tables: [{ table: 'account', pending: 1, hydrated: 2, abandoned: 0, total: 3, timeToHydrate: { count: 2, p50Seconds: 4, p95Seconds: 9, maxSeconds: 9 }, oldestPendingSeconds: 300 }],
  timeToHydrate: { count: 2, p50Seconds: 4, p95Seconds: 9, maxSeconds: 9 },
  oldestPending: { table: 'account', recordId: ACCOUNT_ID, createdOn: '2026-11-26T10:00:00Z', ageSeconds: 300 },
};

/** Answers fixed results unless a test replaces a method with `fail` or its own implementation. */
export class RecordingService implements EnsureService {
  readonly calls: RecordedCall[] = [];
  instanceList: InstanceInfo[] = [
    { name: 'a', url: 'http://127.0.0.1:5551', role: 'source', title: 'a', reachable: true },
    { name: 'b', url: 'http://127.0.0.1:5552', source: 'a', role: 'target', title: 'b — replicated from a', reachable: true },
  ];
  failure: unknown;

  private record(method: keyof EnsureService, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failure !== undefined) throw this.failure;
  }

  async ensure(instance: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
    this.record('ensure', instance, input, context);
    return { id: ACCOUNT_ID, table: input.table, outcome: 'created-stub' };
  }
  async submit(instance: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
    this.record('submit', instance, input, context);
    return { id: '7e2d2d7f-3b5c-4d9f-8a11-1b2c3d4e5f60', table: input.table, operation: 'created', stubsCreated: [{ table: 'account', id: ACCOUNT_ID, key: { accountnumber: 'A-100' } }] };
  }
  async hydrate(instance: string, input: HydrateInput, context: CallContext): Promise<HydrateResult> {
    this.record('hydrate', instance, input, context);
    return { id: ACCOUNT_ID, table: input.table, operation: 'updated', wasStub: true, secondsToHydrate: 12 };
  }
  async listStubs(instance: string, query: StubQuery): Promise<StubPage> {
    this.record('listStubs', instance, query);
    return { value: [PENDING_STUB], nextSkipToken: 'next-page-token' };
  }
  async getStub(instance: string, table: string, recordId: string): Promise<Stub | undefined> {
    this.record('getStub', instance, table, recordId);
    return recordId === ACCOUNT_ID ? PENDING_STUB : undefined;
  }
  async stubSummary(instance: string): Promise<StubSummary> {
    this.record('stubSummary', instance);
    return STUB_SUMMARY;
  }
  async requestHydration(instance: string, stubId: string, requestedOn: Date): Promise<void> {
    this.record('requestHydration', instance, stubId, requestedOn);
  }
  async instances(): Promise<InstanceInfo[]> {
    this.record('instances');
    return this.instanceList;
  }
  async tables(instance: string): Promise<TableInfo[]> {
    this.record('tables', instance);
    return [ACCOUNT_TABLE];
  }
  async tableSchema(instance: string, table: string): Promise<TableJsonSchema> {
    this.record('tableSchema', instance, table);
    return ACCOUNT_SCHEMA;
  }
}

export class TestApp {
  readonly service = new RecordingService();
  readonly logLines: string[] = [];
  baseUrl = '';
  private server: Server | undefined;

  async start(options: { bodyLimit?: number | string; logLevel?: 'info' | 'debug' } = {}): Promise<this> {
    const { logLevel = 'info', ...httpOptions } = options;
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    const logger = createLogger({ level: logLevel, destination });
    const app = createApp({
      service: this.service,
      config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }, { name: 'other', sha256: hashApiKey(OTHER_API_KEY) }], ...httpOptions },
      logger,
    });
    const server = app.listen(0, '127.0.0.1');
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The parsed log lines. */
  logs(): Array<Record<string, unknown>> {
    return this.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; key?: string | null } = {},
  ): Promise<{ status: number; headers: Headers; body: any; text: string }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key !== null) headers['X-API-Key'] ??= options.key ?? API_KEY;
    let body: string | Buffer | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
}
