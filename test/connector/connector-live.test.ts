/**
 * The committed connector describes the API that really runs. `startService` (what `npm start` runs)
 * serves the API on a free port with two in-memory local Dataverse instances, `a` (source) and `b`
 * (target, replicated from `a`), and one API key from the API_KEYS variable. Every operation of
 * connector/apiDefinition.swagger.json is then called the way the platform calls it
 * (./connector-platform.ts): the URL from the connection's base URL through the `dynamichosturl`
 * policy of apiProperties.json, the key in the header the securityDefinition names, parameters by
 * their `in`; instance and table pickers and the dynamic key / record / stub-column fields resolved
 * through the operations their extensions name, for `account` and `contact`; bodies filled with fields
 * the resolved schemas offer. Every answer — successes, 202 Accepted, and every declared error status —
 * must match the response its operation declares for that status. The 202s are real: the target's
 * local Dataverse is made unavailable (`/_admin/faults`), so the actions are accepted for later, and
 * the platform polls their Location until the final answer, as Power Automate does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../api/src/config';
import { createLogger } from '../../api/src/http';
import { startService, type RunningService } from '../../api/src/main';
import { REPOSITORY_ROOT } from '../../connector/tools/build-connector';
import { ConnectorPlatform, loadConnector, type Invocation, type Json, type Locator, type OperationInputs } from './connector-platform';
import { AB_STUB_DEFAULTS } from '../support/abInstances';
import { seedServiceDataFolder } from '../support/pgliteTemplate';

const CONNECTOR_FOLDER = join(REPOSITORY_ROOT, 'connector');
const API_KEY = 'connector-live-key-0123456789abcdef';
const TARGET = 'b';
const TABLES = ['account', 'contact'] as const;
type Table = (typeof TABLES)[number];
const CONTACT_ID = '6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f';
const OTHER_CONTACT_ID = '1b7e3c52-9d0a-4f61-8e2b-3c4d5e6f7a8b';
const NEVER_A_STUB_ID = '00000000-0000-4000-8000-000000000001';
const QUEUED_CONTACT_ID = '3a7d9c1e-5b2f-4e8a-9c0d-1e2f3a4b5c6d';
/** Retry-After of 202 answers and pending statuses (queue.retryAfterSeconds below). */
const RETRY_AFTER_SECONDS = 1;

/** The operations a flow author sees, by summary (the actions of the issue). */
const ACTIONS: Record<string, string> = {
  EnsureRecord: 'Ensure record',
  SubmitRecord: 'Submit record',
  HydrateRecord: 'Hydrate record',
  ListStubs: 'List stubs',
  GetStub: 'Get stub',
  GetStubSummary: 'Get stub summary',
  OnStubStateChanged: 'When a stub changes state',
  ListOperations: 'List operations',
  RetryOperation: 'Retry a failed operation',
  CancelOperation: 'Cancel a queued operation',
};

/** The actions the durable queue may accept for later (202), with an Idempotency-Key header. */
const QUEUED_ACTIONS = ['EnsureRecord', 'SubmitRecord', 'HydrateRecord'];

/**
 * Success statuses other than 200: the queued actions and the operation status answer 202 while the
 * work is pending, a retry is accepted (202) and ends in the retried action's answer (200), the webhook trigger subscribes with 201 + Location,
 * its delete answers 204.
 */
const SUCCESS_STATUSES: Record<string, string[]> = {
  EnsureRecord: ['200', '202'],
  SubmitRecord: ['200', '202'],
  HydrateRecord: ['200', '202'],
  GetOperation: ['200', '202'],
  RetryOperation: ['200', '202'],
  OnStubStateChanged: ['201'],
  DeleteStubSubscription: ['204'],
};

jest.setTimeout(60_000);

let cwd: string;
let service: RunningService;
let platform: ConnectorPlatform;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-connector-live-'));
  const instance = { local: { port: 0, memory: true }, tables: [...TABLES], stubDefaults: AB_STUB_DEFAULTS };
  // No reconciler rounds: the stubs' attempts and states here change only through the calls below
  // (the reconciler has its own tests in test/api/reconciler). Short waits for the outage of b:
  // Retry-After 1 s on 202s, quick retries, and the circuit tries b again 1 s after it opened.
  writeFileSync(
    join(cwd, 'dataverse-ensure.config.json'),
    JSON.stringify({
      port: 0,
      reconciler: { enabled: false },
      queue: { retryAfterSeconds: RETRY_AFTER_SECONDS },
      // Two subscriptions per key, so that the trigger's 409 SubscriptionLimitReached is reached.
      webhooks: { maxSubscriptionsPerKey: 2 },
      instances: { a: instance, b: { ...instance, source: 'a', resilience: { baseDelayMs: 50, halfOpenAfterMs: 1000 } } },
    }),
  );
  seedServiceDataFolder(join(cwd, '.data'));
  service = await startService(loadConfig({ cwd, env: { API_KEYS: API_KEY } }), { logger: createLogger({ level: 'silent' }) });
  // The connection a user creates: the two connection parameters of apiProperties.json.
  platform = new ConnectorPlatform(await loadConnector(CONNECTOR_FOLDER), { hostUrl: service.url, api_key: API_KEY });
});

afterAll(async () => {
  await service?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** Calls an operation and insists on the status; the platform has already checked the body against the declared schema. */
async function call(operationId: string, inputs: OperationInputs, status: number, options: Parameters<ConnectorPlatform['invoke']>[2] = {}): Promise<Json> {
  const answer: Invocation = await platform.invoke(operationId, inputs, options);
  if (answer.status !== status) throw new Error(`${operationId} answered ${answer.status}, expected ${status}: ${JSON.stringify(answer.body)}`);
  return answer.body as Json;
}

/** Every parameter or top-level body property carrying a dynamic extension of the given kind. */
function dynamicFields(extension: 'x-ms-dynamic-values' | 'x-ms-dynamic-schema'): Array<{ operationId: string; locator: Locator; spec: Json }> {
  const found: Array<{ operationId: string; locator: Locator; spec: Json }> = [];
  for (const operationId of platform.operationIds()) {
    for (const parameter of platform.operation(operationId).parameters) {
      const name = String(parameter['name']);
      if (parameter[extension]) found.push({ operationId, locator: [name], spec: parameter[extension] as Json });
      const properties = ((parameter['schema'] as Json | undefined)?.['properties'] ?? {}) as Record<string, Json>;
      for (const [property, schema] of Object.entries(properties)) {
        if (schema[extension]) found.push({ operationId, locator: [name, property], spec: schema[extension] as Json });
      }
    }
  }
  return found;
}

/** The dynamic schemas the designer showed, by operation, body field and table. */
const shown = new Map<string, Json>();
function fieldsOf(operationId: string, field: string, table: Table): Json {
  const schema = shown.get(`${operationId}/${field}/${table}`);
  if (!schema) throw new Error(`the designer never resolved ${operationId} ${field} for ${table}`);
  return schema;
}

/**
 * What a flow author types into the dynamic fields: only fields the designer shows (properties of the
 * resolved schema), with values that schema accepts.
 */
function fill(operationId: string, field: string, table: Table, values: Json): Json {
  const schema = fieldsOf(operationId, field, table);
  const offered = Object.keys((schema['properties'] ?? {}) as Json);
  for (const name of Object.keys(values)) {
    if (!offered.includes(name)) throw new Error(`${operationId} ${field} for ${table} shows no field ${name} (it shows ${offered.join(', ')})`);
  }
  const errors = platform.schemaErrors(schema, values);
  if (errors) throw new Error(`${operationId} ${field} for ${table}: ${JSON.stringify(values)} is refused by the resolved schema: ${errors}`);
  return values;
}

/** Sets the fault mode of the target's local Dataverse (`/_admin/faults`, loopback only). */
async function setTargetFault(fault: Json): Promise<void> {
  const response = await fetch(`${service.localInstances[TARGET]!.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`);
}

/** The operation id at the end of a 202's Location, as Get operation status's id parameter describes. */
function operationIdOf(accepted: Invocation): string {
  const location = accepted.headers.get('location');
  if (location === null) throw new Error(`${accepted.operationId} answered ${accepted.status} without a Location`);
  return location.slice(location.lastIndexOf('/') + 1);
}

/** Every operation List operations shows for a query, page by page through the skip token. */
async function listAllOperations(query: OperationInputs): Promise<Json[]> {
  const found: Json[] = [];
  let skipToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await call('ListOperations', { ...query, top: 5, ...(skipToken !== undefined ? { skipToken } : {}) }, 200);
    found.push(...(answer['value'] as Json[]));
    skipToken = answer['nextSkipToken'] as string | undefined;
    if (skipToken === undefined) break;
  }
  const ids = found.map((operation) => operation['id']);
  expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  return found;
}

/** Calls Get operation status until the operation is no longer pending (202), waiting Retry-After between calls. */
async function operationOutcome(id: string, timeoutMs = 30_000): Promise<Invocation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await platform.invoke('GetOperation', { id });
    if (answer.status !== 202) return answer;
    expect([answer.headers.get('location'), answer.headers.get('retry-after')]).toEqual([`${service.url}/v1/operations/${id}`, String(RETRY_AFTER_SECONDS)]);
    if (Date.now() > deadline) throw new Error(`operation ${id} still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_SECONDS * 1000));
  }
}

async function pickInstance(operationId: string): Promise<string> {
  const values = (await platform.dynamicValues(operationId, ['instance'], {})).map((entry) => entry.value);
  expect(values).toContain(TARGET);
  return TARGET;
}

async function pickTable(operationId: string, locator: Locator, instance: string, table: Table): Promise<Table> {
  const values = (await platform.dynamicValues(operationId, locator, { instance })).map((entry) => entry.value);
  expect(values).toContain(table);
  return table;
}

describe('the generated connector against the running API', () => {
  it('has the actions, the trigger and the operation actions, helper operations hidden; 202 + Location + Retry-After where work may run later; an Idempotency-Key on the queued actions', () => {
    const visible = platform.operationIds().filter((id) => platform.operation(id).operation['x-ms-visibility'] !== 'internal');
    expect(Object.fromEntries(visible.map((id) => [id, platform.operation(id).operation['summary']]))).toEqual(ACTIONS);
    for (const id of platform.operationIds()) {
      expect([id, platform.declaredStatuses(id).filter((status) => status.startsWith('2')).sort()]).toEqual([id, SUCCESS_STATUSES[id] ?? ['200']]);
      const accepted = (platform.operation(id).operation['responses'] as Record<string, Json>)['202'];
      if (accepted) expect([id, Object.keys(accepted['headers'] as Json).sort()]).toEqual([id, ['Location', 'Retry-After']]);
      const idempotencyKey = platform.operation(id).parameters.find((parameter) => parameter['name'] === 'Idempotency-Key');
      if (!QUEUED_ACTIONS.includes(id)) expect([id, idempotencyKey]).toEqual([id, undefined]);
      else expect([id, idempotencyKey]).toEqual([id, expect.objectContaining({ in: 'header', required: false, type: 'string', 'x-ms-visibility': 'advanced' })]);
    }
  });

  it('sends every call to the connection base URL through the dynamichosturl policy', () => {
    for (const id of platform.operationIds()) expect(platform.baseUrl(id)).toBe(service.url);
    expect(platform.definition['host']).not.toBe(new URL(service.url).host);
  });

  it('testConnection answers 200 with the API key and 401 without', async () => {
    const test = (platform.definition['x-ms-capabilities'] as { testConnection: { operationId: string; parameters: Json } }).testConnection;
    expect(platform.operation(test.operationId).method).toBe('get');
    await call(test.operationId, test.parameters, 200);
    const refused = await call(test.operationId, test.parameters, 401, { authenticated: false });
    expect(refused).toMatchObject({ error: { code: expect.any(String) } });
  });

  const WRITING = ['EnsureRecord', 'SubmitRecord', 'HydrateRecord'];

  it('resolves every instance and table picker through the operation its x-ms-dynamic-values names', async () => {
    const pickers = dynamicFields('x-ms-dynamic-values');
    expect(pickers.length).toBeGreaterThanOrEqual(10);
    for (const { operationId, locator, spec } of pickers) {
      const listed = await platform.dynamicValues(operationId, locator, { instance: TARGET });
      if (spec['operationId'] === 'ListInstances' && WRITING.includes(operationId)) {
        // the actions that write offer only instances with a source: a stub on a (the source) never hydrates
        expect([operationId, locator, listed]).toEqual([operationId, locator, [{ value: 'b', title: 'b — replicated from a' }]]);
      } else if (spec['operationId'] === 'ListInstances') {
        expect([operationId, locator, listed]).toEqual([operationId, locator, [{ value: 'a', title: 'a' }, { value: 'b', title: 'b — replicated from a' }]]);
      } else {
        expect([operationId, locator, spec['operationId']]).toEqual([operationId, locator, 'ListTables']);
        expect([operationId, locator, listed]).toEqual([operationId, locator, [{ value: 'account', title: 'Account (account)' }, { value: 'contact', title: 'Contact (contact)' }]]);
      }
    }
  });

  it('resolves every dynamic body field (key, record, stub columns) through GetTableSchema, for account and contact', async () => {
    const fields = dynamicFields('x-ms-dynamic-schema');
    expect(fields.map(({ operationId, locator }) => `${operationId}/${locator.join('/')}`).sort()).toEqual([
      'EnsureRecord/body/columns',
      'EnsureRecord/body/key',
      'HydrateRecord/body/key',
      'HydrateRecord/body/record',
      'SubmitRecord/body/key',
      'SubmitRecord/body/record',
    ]);
    for (const { operationId, locator, spec } of fields) {
      for (const table of TABLES) {
        const schema = await platform.dynamicSchema(operationId, locator, { instance: TARGET, [locator[0]!]: { table } });
        const part = (spec['parameters'] as Json)['part'];
        const properties = Object.keys((schema['properties'] ?? {}) as Json);
        expect(schema['type']).toBe('object');
        if (part === 'stub') {
          // only what Ensure record accepts as stub columns: no id, no lookup, no key or name column
          expect(properties).toEqual(expect.arrayContaining(table === 'account' ? ['telephone1', 'revenue'] : ['firstname', 'lastname', 'emailaddress1']));
          expect(properties.filter((name) => name === `${table}id` || name.includes('@') || name === 'accountnumber' || name === 'name')).toEqual([]);
        } else {
          expect(properties).toContain(`${table}id`);
        }
        if (part === 'key') {
          expect(properties).toEqual(table === 'account' ? ['accountid', 'accountnumber'] : ['contactid']);
        } else if (part !== 'stub') {
          expect(part).toBe('record');
          expect(properties).toEqual(expect.arrayContaining(table === 'account' ? ['name', 'accountnumber', 'revenue', 'primarycontactid@odata.bind'] : ['firstname', 'lastname', 'parentcustomerid_account@odata.bind']));
          // display names, choices with their labels, the table's required column marked
          expect(schema['required']).toEqual(table === 'account' ? ['name'] : ['lastname']);
          expect((schema['properties'] as Record<string, Json>)['statecode']).toMatchObject({ 'x-ms-summary': 'Status', enum: [0, 1], 'x-ms-enum-values': [{ value: 0, displayName: 'Active' }, { value: 1, displayName: 'Inactive' }] });
          expect((schema['properties'] as Record<string, Json>)[table === 'account' ? 'telephone1' : 'emailaddress1']).toMatchObject({ 'x-ms-summary': table === 'account' ? 'Main Phone' : 'Email' });
        }
        for (const property of Object.values(schema['properties'] as Record<string, Json>)) expect(property['x-ms-summary']).toEqual(expect.any(String));
        shown.set(`${operationId}/${locator[1]}/${table}`, schema);
      }
    }
  });

  let accountStub: Json;

  it('Ensure record: creates a stub for a missing account (alternate key) and contact (GUID), then finds it', async () => {
    const instance = await pickInstance('EnsureRecord');
    const table = await pickTable('EnsureRecord', ['body', 'table'], instance, 'account');
    accountStub = await call('EnsureRecord', {
      instance,
      body: { table, key: fill('EnsureRecord', 'key', table, { accountnumber: 'A-100' }), name: 'Contoso', columns: fill('EnsureRecord', 'columns', table, { telephone1: '+1 555 0100' }) },
    }, 200);
    expect(accountStub).toEqual({ id: expect.any(String), table: 'account', outcome: 'created-stub' });
    const again = await call('EnsureRecord', { instance, body: { table, key: fill('EnsureRecord', 'key', table, { accountnumber: 'A-100' }) } }, 200);
    expect(again).toEqual({ ...accountStub, outcome: 'exists-as-stub' });

    const contact = await pickTable('EnsureRecord', ['body', 'table'], instance, 'contact');
    const contactStub = await call('EnsureRecord', { instance, body: { table: contact, key: fill('EnsureRecord', 'key', contact, { contactid: CONTACT_ID }), name: 'Smith' } }, 200);
    expect(contactStub).toEqual({ id: CONTACT_ID, table: 'contact', outcome: 'created-stub' });
  });

  it('Submit record: creates a contact whose missing account becomes a stub, and upserts an account by key with an explicit reference', async () => {
    const instance = await pickInstance('SubmitRecord');
    const contact = await pickTable('SubmitRecord', ['body', 'table'], instance, 'contact');
    const created = await call('SubmitRecord', {
      instance,
      body: {
        table: contact,
        record: fill('SubmitRecord', 'record', contact, { firstname: 'Ann', lastname: 'Lee', emailaddress1: 'ann.lee@contoso.com', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='A-200')" }),
      },
    }, 200);
    expect(created).toEqual({ id: expect.any(String), table: 'contact', operation: 'created', stubsCreated: [{ table: 'account', id: expect.any(String), key: { accountnumber: 'A-200' } }] });

    const account = await pickTable('SubmitRecord', ['body', 'table'], instance, 'account');
    const body = {
      table: account,
      key: fill('SubmitRecord', 'key', account, { accountnumber: 'A-300' }),
      record: fill('SubmitRecord', 'record', account, { name: 'Fabrikam', revenue: 1000.5 }),
      references: { primarycontactid: { table: 'contact', key: { contactid: OTHER_CONTACT_ID }, name: 'Doe' } },
    };
    const upserted = await call('SubmitRecord', { instance, body }, 200);
    expect(upserted).toEqual({ id: expect.any(String), table: 'account', operation: 'created', stubsCreated: [{ table: 'contact', id: OTHER_CONTACT_ID, key: { contactid: OTHER_CONTACT_ID } }] });
    const updated = await call('SubmitRecord', { instance, body: { ...body, record: fill('SubmitRecord', 'record', account, { name: 'Fabrikam Inc', revenue: 2000 }) } }, 200);
    expect(updated).toEqual({ id: upserted['id'], table: 'account', operation: 'updated', stubsCreated: [] });
  });

  it('List stubs: filters by state, table and age, and pages with the skip token', async () => {
    const instance = await pickInstance('ListStubs');
    const table = await pickTable('ListStubs', ['table'], instance, 'account');
    const accounts = await call('ListStubs', { instance, state: 'Pending', table }, 200);
    // Oldest first by createdOn, which has whole seconds: stubs of the same second come in any order.
    expect((accounts['value'] as Json[]).map((stub) => (stub['key'] as Json)['accountnumber']).sort()).toEqual(['A-100', 'A-200']);
    expect(accounts).not.toHaveProperty('nextSkipToken');

    const all = await call('ListStubs', { instance, state: 'Pending', olderThanSeconds: 0 }, 200);
    const everyStub = (all['value'] as Json[]).map((stub) => stub['id']);
    expect(everyStub).toHaveLength(4);
    const paged: unknown[] = [];
    let skipToken: string | undefined;
    do {
      const page = await call('ListStubs', { instance, state: 'Pending', top: 1, ...(skipToken !== undefined ? { skipToken } : {}) }, 200);
      paged.push(...(page['value'] as Json[]).map((stub) => stub['id']));
      skipToken = page['nextSkipToken'] as string | undefined;
    } while (skipToken !== undefined && paged.length < 10);
    expect(paged).toEqual(everyStub);

    expect(await call('ListStubs', { instance, olderThanSeconds: 3600 }, 200)).toEqual({ value: [] });
  });

  it('Get stub: the tracking row of a stubbed record, by table and record id', async () => {
    const instance = await pickInstance('GetStub');
    const account = await pickTable('GetStub', ['table'], instance, 'account');
    const stub = await call('GetStub', { instance, table: account, id: accountStub['id'] }, 200);
    expect(stub).toMatchObject({ table: 'account', recordId: accountStub['id'], key: { accountnumber: 'A-100' }, name: 'Contoso', sourceInstance: 'a', state: 'Pending', attempts: 0 });
    const contact = await pickTable('GetStub', ['table'], instance, 'contact');
    expect(await call('GetStub', { instance, table: contact, id: CONTACT_ID }, 200)).toMatchObject({ recordId: CONTACT_ID, key: { contactid: CONTACT_ID }, name: 'Smith', state: 'Pending' });
  });

  it('Hydrate record: writes a stub’s full data and marks it Hydrated; a record that never was a stub is a plain upsert', async () => {
    const instance = await pickInstance('HydrateRecord');
    const table = await pickTable('HydrateRecord', ['body', 'table'], instance, 'account');
    const hydrated = await call('HydrateRecord', {
      instance,
      body: {
        table,
        key: fill('HydrateRecord', 'key', table, { accountnumber: 'A-100' }),
        record: fill('HydrateRecord', 'record', table, { name: 'Contoso Ltd', accountnumber: 'A-100', telephone1: '+1 555 0100', emailaddress1: 'info@contoso.com', revenue: 250000 }),
      },
    }, 200);
    expect(hydrated).toEqual({ id: accountStub['id'], table: 'account', operation: 'updated', wasStub: true, secondsToHydrate: expect.any(Number) });
    expect(await call('GetStub', { instance, table, id: accountStub['id'] }, 200)).toMatchObject({ state: 'Hydrated', hydratedOn: expect.any(String), secondsToHydrate: hydrated['secondsToHydrate'] });
    const hydratedList = await call('ListStubs', { instance, state: 'Hydrated' }, 200);
    expect((hydratedList['value'] as Json[]).map((stub) => stub['recordId'])).toEqual([accountStub['id']]);

    const contact = await pickTable('HydrateRecord', ['body', 'table'], instance, 'contact');
    const plain = await call('HydrateRecord', {
      instance,
      body: { table: contact, key: fill('HydrateRecord', 'key', contact, { contactid: NEVER_A_STUB_ID }), record: fill('HydrateRecord', 'record', contact, { firstname: 'Joe', lastname: 'Park' }) },
    }, 200);
    expect(plain).toEqual({ id: NEVER_A_STUB_ID, table: 'contact', operation: 'created', wasStub: false });
  });

  it('Get stub summary: counts by state and table, time to hydrate, the oldest pending stub', async () => {
    const instance = await pickInstance('GetStubSummary');
    const summary = await call('GetStubSummary', { instance }, 200);
    expect(summary).toMatchObject({ instance: TARGET, counts: { hydrated: 1, abandoned: 0 }, timeToHydrate: { count: 1 }, oldestPending: { ageSeconds: expect.any(Number) } });
    const counts = summary['counts'] as Record<string, number>;
    expect(counts['total']).toBe(counts['pending']! + counts['hydrated']! + counts['abandoned']!);
    expect((summary['tables'] as Json[]).map((table) => table['table'])).toEqual(['account', 'contact']);
  });

  it('When a stub changes state: the platform subscribes with its callback URL, receives the events as declared, and deletes at the Location', async () => {
    const received: Json[] = [];
    const receiver = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(JSON.parse(text) as Json);
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    try {
      const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/workflows/flow-1/triggers/manual/run?sig=abc`;
      const instance = await pickInstance('OnStubStateChanged');
      const table = await pickTable('OnStubStateChanged', ['body', 'table'], instance, 'account');
      const subscribed = await platform.invoke('OnStubStateChanged', { instance, body: { callbackUrl, events: ['stub.created'], table } });
      expect(subscribed.status).toBe(201);
      const subscription = subscribed.body as Json;
      expect(subscription).toMatchObject({ instance: TARGET, events: ['stub.created'], table: 'account', secret: expect.stringMatching(/^whsec_/) });
      expect(subscribed.headers.get('location')).toBe(`${service.url}/v1/subscriptions/${String(subscription['id'])}`);

      await call('EnsureRecord', { instance, body: { table: 'contact', key: { contactid: '5d3c2b1a-0f9e-4d8c-8b7a-6a5b4c3d2e1f' } } }, 200);
      const stub = await call('EnsureRecord', { instance, body: { table: 'account', key: { accountnumber: 'A-700' }, name: 'Hooked' } }, 200);
      const deadline = Date.now() + 20_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(received).toEqual([expect.objectContaining({ type: 'stub.created', instance: TARGET, table: 'account', recordId: stub['id'], state: 'Pending', cause: 'ensure', subscriptionId: subscription['id'] })]);
      // The payload is what x-ms-notification-content promises the flow.
      const content = (platform.definition['paths'] as Record<string, Json>)['/v1/instances/{instance}/subscriptions']!['x-ms-notification-content'] as Json;
      expect(platform.schemaErrors(content['schema'] as Json, received[0])).toBeUndefined();
      const declared = Object.keys(((content['schema'] as Json)['properties'] ?? {}) as Json);
      expect(Object.keys(received[0]!).filter((property) => !declared.includes(property))).toEqual([]);

      // The key's subscriptions, without secret or callback path; past the limit (2 here) a clear 409.
      const own = { id: subscription['id'], instance: TARGET, events: ['stub.created'], table: 'account', callbackOrigin: new URL(callbackUrl).origin, apiKeyName: 'env-1', createdOn: expect.any(String) };
      expect(await call('ListStubSubscriptions', {}, 200)).toEqual({ value: [own] });
      expect(await call('GetStubSubscription', { id: subscription['id'] }, 200)).toEqual(own);
      const second = await call('OnStubStateChanged', { instance, body: { callbackUrl, events: ['stub.abandoned'] } }, 201);
      const refused = await call('OnStubStateChanged', { instance, body: { callbackUrl, events: ['stub.abandoned'] } }, 409);
      expect(refused['error']).toMatchObject({ code: 'SubscriptionLimitReached', message: expect.stringContaining('DELETE /v1/subscriptions/{id}') });
      await call('DeleteStubSubscription', { id: second['id'] }, 204);

      await call('DeleteStubSubscription', { id: subscription['id'] }, 204);
      await call('DeleteStubSubscription', { id: subscription['id'] }, 404);
      await call('GetStubSubscription', { id: subscription['id'] }, 404);
      expect(await call('ListStubSubscriptions', {}, 200)).toEqual({ value: [] });
    } finally {
      await new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeAllConnections();
      });
    }
  });

  /** The dead letter (a create that conflicts with an existing account) and that account. */
  let conflictingOperationId: string;
  let rejectedOperationId: string;
  /** An ensure cancelled while queued: never applied. */
  let cancelledOperationId: string;
  let northwindId: string;

  it('Ensure, Submit and Hydrate record while the target is unavailable: 202 + Location + Retry-After, Get operation status 202 while pending, and the platform polls each Location to the action’s final answer', async () => {
    const instance = await pickInstance('SubmitRecord');
    // An account the target already has; a second create with its account number conflicts later.
    const northwind = await call('SubmitRecord', { instance, body: { table: 'account', record: { name: 'Northwind', accountnumber: 'A-800' } } }, 200);
    const hydrateBody = { table: 'contact', key: { contactid: QUEUED_CONTACT_ID }, record: { firstname: 'Kim', lastname: 'Queued' } };
    let accepted: Record<'ensured' | 'conflicting' | 'rejected' | 'hydrated', Invocation>;
    await setTargetFault({ mode: 'unavailable' });
    try {
      accepted = {
        ensured: await platform.invoke('EnsureRecord', { instance, body: { table: 'account', key: { accountnumber: 'A-810' }, name: 'Queued' } }),
        conflicting: await platform.invoke('SubmitRecord', { instance, body: { table: 'account', record: { name: 'Northwind again', accountnumber: 'A-800' } } }),
        rejected: await platform.invoke('SubmitRecord', { instance, body: { table: 'account', record: { name: 'Bad revenue', revenue: 'a lot' } } }),
        hydrated: await platform.invoke('HydrateRecord', { instance, 'Idempotency-Key': 'hydrate-kim-1', body: hydrateBody }),
      };
      for (const answer of Object.values(accepted)) {
        expect([answer.operationId, answer.status, answer.headers.get('retry-after')]).toEqual([answer.operationId, 202, String(RETRY_AFTER_SECONDS)]);
        expect(answer.headers.get('location')).toBe(`${service.url}/v1/operations/${operationIdOf(answer)}`);
      }
      expect(new Set(Object.values(accepted).map(operationIdOf)).size).toBe(4);

      // The same Idempotency-Key with the same request is the same operation; with another request it is refused.
      const again = await platform.invoke('HydrateRecord', { instance, 'Idempotency-Key': 'hydrate-kim-1', body: hydrateBody });
      expect([again.status, again.headers.get('location'), again.headers.get('idempotent-replayed')]).toEqual([202, accepted.hydrated.headers.get('location'), 'true']);
      const reused = await call('HydrateRecord', { instance, 'Idempotency-Key': 'hydrate-kim-1', body: { ...hydrateBody, record: { lastname: 'Someone else' } } }, 422);
      expect(reused['error']).toMatchObject({ code: 'IdempotencyKeyReused', field: 'headers.idempotency-key' });

      // Pending: Get operation status answers 202 pointing at itself, List operations shows them pending.
      const pending = await platform.invoke('GetOperation', { id: operationIdOf(accepted.ensured) });
      expect([pending.status, pending.headers.get('location'), pending.headers.get('retry-after')]).toEqual([202, accepted.ensured.headers.get('location'), String(RETRY_AFTER_SECONDS)]);
      const listed = new Map((await listAllOperations({ instance })).map((operation) => [operation['id'], operation]));
      for (const [name, answer] of Object.entries(accepted)) {
        expect([name, listed.get(operationIdOf(answer))]).toEqual([name, expect.objectContaining({ instance: TARGET, state: expect.stringMatching(/^(queued|running)$/) })]);
      }
      expect(listed.get(operationIdOf(accepted.hydrated))).toMatchObject({ action: 'hydrate', request: hydrateBody });

      // Cancel a queued operation: it never runs, a second cancel is 409, its status answers 409 OperationCancelled.
      const toCancel = await platform.invoke('EnsureRecord', { instance, body: { table: 'account', key: { accountnumber: 'A-820' }, name: 'Cancelled' } });
      expect(toCancel.status).toBe(202);
      cancelledOperationId = operationIdOf(toCancel);
      expect(await call('CancelOperation', { id: cancelledOperationId }, 200)).toMatchObject({ id: cancelledOperationId, state: 'cancelled' });
      expect(((await call('CancelOperation', { id: cancelledOperationId }, 409))['error'] as Json)['code']).toBe('Conflict');
      expect(((await call('GetOperation', { id: cancelledOperationId }, 409))['error'] as Json)['code']).toBe('OperationCancelled');
    } finally {
      await setTargetFault({ mode: 'none' });
    }

    // b is back: each Location ends in the answer the action would have given at once.
    const ensured = await platform.follow(accepted.ensured);
    expect([ensured.status, ensured.body]).toEqual([200, { id: expect.any(String), table: 'account', outcome: 'created-stub' }]);
    const hydrated = await platform.follow(accepted.hydrated);
    expect([hydrated.status, hydrated.body]).toEqual([200, { id: QUEUED_CONTACT_ID, table: 'contact', operation: 'created', wasStub: false }]);
    const rejected = await platform.follow(accepted.rejected);
    expect([rejected.status, (rejected.body as Json)['error']]).toEqual([422, expect.objectContaining({ code: 'RecordRejected' })]);
    // Get operation status keeps answering the final answer, error included.
    expect(await call('GetOperation', { id: operationIdOf(accepted.ensured) }, 200)).toEqual(ensured.body);
    expect(await call('GetOperation', { id: operationIdOf(accepted.rejected) }, 422)).toEqual(rejected.body);
    // The cancelled ensure never ran: b has no account A-820, and its status still says cancelled.
    const neverRun = await fetch(`${service.localInstances[TARGET]!.url}/api/data/v9.2/accounts(accountnumber='A-820')`);
    expect(neverRun.status).toBe(404);
    expect(((await call('GetOperation', { id: cancelledOperationId }, 409))['error'] as Json)['code']).toBe('OperationCancelled');

    // The conflicting create is a dead letter: Dataverse refused it for good (409, which the actions
    // leave undeclared: the platform fails the action), kept with its request for a retry.
    conflictingOperationId = operationIdOf(accepted.conflicting);
    rejectedOperationId = operationIdOf(accepted.rejected);
    const deadline = Date.now() + 30_000;
    let failed: Json[] = [];
    while (!failed.some((operation) => operation['id'] === conflictingOperationId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      failed = await listAllOperations({ instance, state: 'failed' });
    }
    expect(failed.map((operation) => operation['id']).sort()).toEqual([conflictingOperationId, operationIdOf(accepted.rejected)].sort());
    expect(failed.find((operation) => operation['id'] === conflictingOperationId)).toMatchObject({
      action: 'submit',
      state: 'failed',
      status: 409,
      attempts: expect.any(Number),
      lastError: expect.stringContaining('Conflict'),
      request: { table: 'account', record: { name: 'Northwind again', accountnumber: 'A-800' } },
      response: { error: { code: 'Conflict' } },
      finishedOn: expect.any(String),
    });
    expect((await call('GetStub', { instance, table: 'account', id: (ensured.body as Json)['id'] }, 200))['state']).toBe('Pending');
    northwindId = northwind['id'] as string;
  });

  it('Retry a failed operation: a dead letter goes back in the queue (202) and runs again; anything else is 409 or 404', async () => {
    // Someone resolves the conflict: the account holding the number is removed from b.
    const removed = await fetch(`${service.localInstances[TARGET]!.url}/api/data/v9.2/accounts(${northwindId})`, { method: 'DELETE' });
    expect(removed.status).toBe(204);

    const retried = await platform.invoke('RetryOperation', { id: conflictingOperationId });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ id: conflictingOperationId, status: 'accepted', location: `${service.url}/v1/operations/${conflictingOperationId}` });
    expect([retried.headers.get('location'), retried.headers.get('retry-after')]).toEqual([`${service.url}/v1/operations/${conflictingOperationId}`, String(RETRY_AFTER_SECONDS)]);

    // The platform follows the Location: the action's output is the retried operation's final answer,
    // checked against Retry a failed operation's declared 200 (follow() validates every poll).
    const followed = await platform.follow(retried);
    expect([followed.status, followed.body]).toEqual([200, { id: expect.any(String), table: 'account', operation: 'created', stubsCreated: [] }]);
    const outcome = await operationOutcome(conflictingOperationId);
    expect([outcome.status, outcome.body]).toEqual([200, followed.body]);
    // The stored answer is Submit record's own output.
    const submitOk = (platform.operation('SubmitRecord').operation['responses'] as Record<string, Json>)['200']!;
    expect(platform.schemaErrors(submitOk['schema'] as Json, outcome.body)).toBeUndefined();
    const [operation] = (await listAllOperations({ instance: TARGET })).filter((entry) => entry['id'] === conflictingOperationId);
    // A replay starts a fresh count of attempts (queue.maxAttempts applies to it anew): it ran once, and succeeded.
    expect(operation).toMatchObject({ state: 'succeeded', status: 200, attempts: 1 });

    // A dead letter whose record is still wrong fails again: the action ends in its 422.
    const rejectedAgain = await platform.follow(await platform.invoke('RetryOperation', { id: rejectedOperationId }));
    expect([rejectedAgain.status, ((rejectedAgain.body as Json)['error'] as Json)['code']]).toEqual([422, 'RecordRejected']);

    // Only dead letters can be retried.
    const codeOf = (body: Json) => (body['error'] as Json)['code'];
    expect(codeOf(await call('RetryOperation', { id: conflictingOperationId }, 409))).toBe('Conflict');
    expect(codeOf(await call('RetryOperation', { id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');
  });

  it('answers every declared error status with the declared error body', async () => {
    const valid: Record<string, OperationInputs> = {
      ListInstances: {},
      ListTables: { instance: TARGET },
      GetTableSchema: { instance: TARGET, table: 'account', part: 'key' },
      EnsureRecord: { instance: TARGET, body: { table: 'account', key: { accountnumber: 'A-100' } } },
      SubmitRecord: { instance: TARGET, body: { table: 'contact', record: { lastname: 'Key' } } },
      HydrateRecord: { instance: TARGET, body: { table: 'contact', key: { contactid: NEVER_A_STUB_ID }, record: { lastname: 'Park' } } },
      ListStubs: { instance: TARGET },
      GetStub: { instance: TARGET, table: 'contact', id: CONTACT_ID },
      GetStubSummary: { instance: TARGET },
      OnStubStateChanged: { instance: TARGET, body: { callbackUrl: 'https://example.com/hook' } },
      DeleteStubSubscription: { id: NEVER_A_STUB_ID },
      ListStubSubscriptions: {},
      GetStubSubscription: { id: NEVER_A_STUB_ID },
      GetOperation: { id: conflictingOperationId },
      ListOperations: { state: 'failed' },
      RetryOperation: { id: conflictingOperationId },
      CancelOperation: { id: cancelledOperationId },
    };
    expect(Object.keys(valid).sort()).toEqual(platform.operationIds().sort());
    const codeOf = (body: Json) => (body['error'] as Json)['code'];

    for (const [operationId, inputs] of Object.entries(valid)) {
      await call(operationId, inputs, 401, { authenticated: false });
      if ('instance' in inputs) expect(codeOf(await call(operationId, { ...inputs, instance: 'zz' }, 404))).toBe('UnknownInstance');
    }
    expect(codeOf(await call('GetStub', { instance: TARGET, table: 'account', id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');

    // 400: inputs a flow can produce (typed values, expressions) that the definition or the API refuses.
    expect(codeOf(await call('ListTables', { instance: 'B!' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('GetTableSchema', { instance: TARGET, table: 'systemuser' }, 400))).toBe('TableNotAllowed');
    expect(codeOf(await call('EnsureRecord', { instance: TARGET, body: { table: 'systemuser', key: { systemuserid: CONTACT_ID } } }, 400))).toBe('TableNotAllowed');
    expect(codeOf(await call('SubmitRecord', { instance: TARGET, body: { table: 'contact', record: {} } }, 400))).toBe('InvalidRequest');
    expect(codeOf(await call('HydrateRecord', { instance: TARGET, body: { table: 'contact', key: {}, record: { lastname: 'Park' } } }, 400))).toBe('InvalidRequest');
    expect(codeOf(await call('ListStubs', { instance: TARGET, top: 0 }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('GetStub', { instance: TARGET, table: 'contact', id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('GetStubSummary', { instance: 'B!' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('OnStubStateChanged', { instance: TARGET, body: { callbackUrl: 'http://169.254.169.254/latest' } }, 400))).toBe('InvalidRequest');
    expect(codeOf(await call('OnStubStateChanged', { instance: TARGET, body: { callbackUrl: 'https://example.com/hook', table: 'systemuser' } }, 400))).toBe('TableNotAllowed');
    expect(codeOf(await call('DeleteStubSubscription', { id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('DeleteStubSubscription', { id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');
    expect(codeOf(await call('GetStubSubscription', { id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('GetStubSubscription', { id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');
    expect(codeOf(await call('GetOperation', { id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('GetOperation', { id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');
    expect(codeOf(await call('ListOperations', { state: 'done' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('ListOperations', { top: 0 }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('RetryOperation', { id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('CancelOperation', { id: 'not-a-guid' }, 400, { checkInputs: false }))).toBe('InvalidRequest');
    expect(codeOf(await call('CancelOperation', { id: NEVER_A_STUB_ID }, 404))).toBe('NotFound');
    // The stub-column fields (part=stub) offer neither lookups nor the primary id; Ensure still refuses
    // both when a flow passes them anyway (as a JSON object or an expression).
    expect(shown.get('EnsureRecord/columns/account')?.['properties']).not.toHaveProperty(['parentaccountid@odata.bind']);
    expect(shown.get('EnsureRecord/columns/account')?.['properties']).not.toHaveProperty(['accountid']);
    const bindInColumns = await call('EnsureRecord', { instance: TARGET, body: { table: 'account', key: { accountnumber: 'A-400' }, columns: { 'parentaccountid@odata.bind': "/accounts(accountnumber='A-100')" } } }, 400, { checkInputs: false });
    expect((bindInColumns['error'] as Json)['field']).toBe('body.columns.parentaccountid@odata.bind');
    expect(codeOf(await call('EnsureRecord', { instance: TARGET, body: { table: 'account', key: { accountnumber: 'A-400' }, columns: { accountid: CONTACT_ID } } }, 400, { checkInputs: false }))).toBe('InvalidRecord');

    // 400: the source instance takes no writes (the picker does not offer it; typed in, it is refused)
    for (const operationId of WRITING) {
      const body = { table: 'account', key: { accountnumber: 'A-700' }, record: { name: 'Never written' } };
      const refusal = await call(operationId, { instance: 'a', body: operationId === 'EnsureRecord' ? { table: 'account', key: body.key } : operationId === 'SubmitRecord' ? { table: 'account', record: body.record } : body }, 400, { checkInputs: false });
      expect(refusal['error']).toMatchObject({ code: 'InvalidRequest', field: 'params.instance' });
    }

    // 422: Dataverse rejects a value of the wrong type (an expression's result in a number field).
    const wrongRevenue = { revenue: 'a lot' };
    expect(codeOf(await call('EnsureRecord', { instance: TARGET, body: { table: 'account', key: { accountnumber: 'A-500' }, columns: wrongRevenue } }, 422))).toBe('RecordRejected');
    expect(codeOf(await call('SubmitRecord', { instance: TARGET, body: { table: 'account', record: { name: 'Bad', ...wrongRevenue } } }, 422))).toBe('RecordRejected');
    expect(codeOf(await call('HydrateRecord', { instance: TARGET, body: { table: 'account', key: { accountnumber: 'A-600' }, record: { name: 'Bad', ...wrongRevenue } } }, 422))).toBe('RecordRejected');
  });

  it('called every operation of the definition and saw every status each declares', () => {
    const seen = new Map<string, Set<string>>();
    for (const { operationId, status } of platform.invocations) seen.set(operationId, (seen.get(operationId) ?? new Set()).add(String(status)));
    for (const operationId of platform.operationIds()) {
      expect([operationId, [...(seen.get(operationId) ?? [])].sort()]).toEqual([operationId, platform.declaredStatuses(operationId).sort()]);
    }
  });
});
