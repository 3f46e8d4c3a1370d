/**
 * `npm run demo`: the pattern, played with timestamps against the whole product — the API and two
 * local Dataverse instances (a = source, b = target) started in-process on free ports, persisted in a
 * temporary data folder that is removed at the end.
 *
 * 1. instance A has an account;
 * 2. a contact referencing it is written to B directly over the Web API: B answers 404
 *    "Entity 'account' With Id = … Does Not Exist", because replication has not delivered the account;
 * 3. the same contact goes through the API's submit: it succeeds and a stub of the account is created;
 * 4. replication (played here by reading A and calling hydrate) fills the stub with A's data;
 * 5. the stub list shows the account Hydrated, with its time to hydrate;
 * 6. another contact references an account that A does not have yet: submit creates its stub; the
 *    account appears in A a few seconds later (DEMO_SOURCE_LATE_SECONDS, default 3), and the
 *    reconciler hydrates B's stub on its own — no replication call;
 * 7. the stub summary shows counts and time to hydrate.
 *
 * A local webhook receiver subscribed to B's stubs (POST /v1/instances/b/subscriptions) prints every
 * event it receives — stub.created, stub.hydrated — with its signature checked.
 *
 * Everything after the start goes over HTTP, as a flow would call it. DEMO_HYDRATE_AFTER_SECONDS
 * (default 2) is how late "replication" is.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/http';
import { startService, type RunningService } from '../src/main';
import { verifyWebhookSignature } from '../src/webhooks/WebhookSignature';

const started = Date.now();

function log(message: string, detail?: unknown): void {
  const time = new Date().toISOString().slice(11, 23);
  const elapsed = ((Date.now() - started) / 1000).toFixed(2).padStart(6);
  process.stdout.write(`[${time} +${elapsed}s] ${message}\n`);
  if (detail !== undefined) process.stdout.write(`${JSON.stringify(detail, null, 2).replace(/^/gm, '    ')}\n`);
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** A Web API record without its OData annotations, for reading. */
function withoutAnnotations(record: unknown): unknown {
  if (Array.isArray(record)) return record.map(withoutAnnotations);
  if (record === null || typeof record !== 'object') return record;
  return Object.fromEntries(Object.entries(record).filter(([name]) => !name.startsWith('@odata.')));
}

function expectStatus(step: string, actual: number, expected: number, body: unknown): void {
  if (actual !== expected) throw new Error(`${step}: expected HTTP ${expected}, got ${actual}: ${JSON.stringify(body)}`);
}

async function play(service: RunningService, apiKey: string): Promise<void> {
  const api = (path: string) => `${service.url}/v1/instances/b${path}`;
  const key = { 'X-API-Key': apiKey, 'x-ms-workflow-name': 'demo-flow', 'x-ms-workflow-run-id': `run-${Date.now()}` };

  const receiver = await startReceiver();
  try {
    const subscribed = await call('POST', api('/subscriptions'), { callbackUrl: receiver.url, events: ['stub.created', 'stub.hydrated', 'stub.abandoned'] }, key);
    expectStatus('subscribe the webhook receiver', subscribed.status, 201, subscribed.body);
    receiver.secret = subscribed.body.secret as string;
    log(`0. A webhook receiver (${receiver.url}) subscribes to B's stub events: HTTP 201, Location ${subscribed.headers.get('location')}`);
    await playSteps(service, key, api);
    await waitUntil(() => receiver.received >= 4, 10_000);
  } finally {
    await receiver.close();
  }
}

async function playSteps(service: RunningService, key: Record<string, string>, api: (path: string) => string): Promise<void> {
  const a = service.localInstances['a']!;
  const b = service.localInstances['b']!;

  const accountId = randomUUID();
  const account = { accountid: accountId, name: 'Contoso Ltd', accountnumber: 'A-100', telephone1: '+1 425 555 0100' };
  const created = await call('POST', `${a.webApiUrl}accounts`, account);
  expectStatus('create the account in A', created.status, 204, created.body);
  log(`1. Instance A has the account ${account.name} (${accountId}); replication to B has not run yet.`);

  const contact = { firstname: 'Maria', lastname: 'Campbell', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` };
  const direct = await call('POST', `${b.webApiUrl}contacts`, contact);
  expectStatus('submit the contact to B directly', direct.status, 404, direct.body);
  log(`2. A contact referencing it, written to B directly over the Web API: HTTP ${direct.status}`, direct.body);

  const submitted = await call('POST', api('/submit'), { table: 'contact', record: contact }, key);
  expectStatus('submit through the API', submitted.status, 200, submitted.body);
  log(`3. The same contact through POST /v1/instances/b/submit: HTTP ${submitted.status}, a stub of the account was created`, submitted.body);

  const pending = await call('GET', api(`/stubs/account/${accountId}`), undefined, key);
  expectStatus('get the stub', pending.status, 200, pending.body);
  const stubInB = await call('GET', `${b.webApiUrl}accounts(${accountId})?$select=name,accountnumber,telephone1`);
  log(`   B now holds the account as a stub (state ${pending.body.state}, origin ${pending.body.origin}):`, withoutAnnotations(stubInB.body));

  const lateBy = Number(process.env['DEMO_HYDRATE_AFTER_SECONDS'] ?? 2);
  log(`   … replication arrives ${lateBy} s later …`);
  await new Promise((resolve) => setTimeout(resolve, lateBy * 1000));

  const source = await call('GET', `${a.webApiUrl}accounts(${accountId})?$select=name,accountnumber,telephone1`);
  expectStatus('read the account in A', source.status, 200, source.body);
  const { name, accountnumber, telephone1 } = source.body as Record<string, string>;
  const hydrated = await call('POST', api('/hydrate'), { table: 'account', key: { accountid: accountId }, record: { name, accountnumber, telephone1 } }, key);
  expectStatus('hydrate through the API', hydrated.status, 200, hydrated.body);
  log(
    `4. Replication delivers the account from A through POST /v1/instances/b/hydrate: HTTP ${hydrated.status}` +
      (hydrated.body.wasStub ? '' : ' (the reconciler had already hydrated the stub from A)'),
    hydrated.body,
  );

  const list = await call('GET', api('/stubs?table=account'), undefined, key);
  expectStatus('list the stubs', list.status, 200, list.body);
  const rows = (list.body.value as Array<Record<string, unknown>>).map(({ recordId, name: stubName, state, secondsToHydrate, createdOn, hydratedOn }) => ({
    recordId,
    name: stubName,
    state,
    secondsToHydrate,
    createdOn,
    hydratedOn,
  }));
  log('5. GET /v1/instances/b/stubs?table=account:', rows);
  const inB = await call('GET', `${b.webApiUrl}accounts(${accountId})?$select=name,accountnumber,telephone1`);
  const contactsInB = await call('GET', `${b.webApiUrl}contacts?$select=fullname,_parentcustomerid_value`);
  log('   The account in B now carries A\'s data, and the contact still points to it:', {
    account: withoutAnnotations(inB.body),
    contacts: withoutAnnotations(contactsInB.body.value),
  });

  // Part two: the source record arrives late and nobody replicates it; the reconciler keeps the promise.
  const lateId = randomUUID();
  const lateContact = { firstname: 'Ravi', lastname: 'Patel', 'parentcustomerid_account@odata.bind': `/accounts(${lateId})` };
  const lateSubmit = await call('POST', api('/submit'), { table: 'contact', record: lateContact }, key);
  expectStatus('submit the second contact', lateSubmit.status, 200, lateSubmit.body);
  log(`6. Another contact references account ${lateId}, which A does not have yet: submit creates its stub in B (HTTP ${lateSubmit.status})`);
  const sourceLateBy = Number(process.env['DEMO_SOURCE_LATE_SECONDS'] ?? 3);
  log(`   … the account is created in A ${sourceLateBy} s later; no replication call follows …`);
  await new Promise((resolve) => setTimeout(resolve, sourceLateBy * 1000));
  const lateAccount = { accountid: lateId, name: 'Fabrikam Inc', accountnumber: 'A-200', telephone1: '+1 425 555 0142' };
  const createdLate = await call('POST', `${a.webApiUrl}accounts`, lateAccount);
  expectStatus('create the late account in A', createdLate.status, 204, createdLate.body);
  log(`   Instance A now has ${lateAccount.name}. The reconciler (every ${service.config.reconciler.intervalSeconds} s) reads it from A and hydrates B's stub:`);
  let stub: { status: number; body: any } | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = Date.now() + 60_000;
  for (;;) {
    stub = await call('GET', api(`/stubs/account/${lateId}`), undefined, key);
    if (stub.body?.state === 'Hydrated' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (stub.body?.state !== 'Hydrated') throw new Error(`the reconciler did not hydrate the stub within 60 s: ${JSON.stringify(stub.body)}`);
  const { state, attempts, secondsToHydrate, hydratedOn } = stub.body as Record<string, unknown>;
  const lateInB = await call('GET', `${b.webApiUrl}accounts(${lateId})?$select=name,accountnumber,telephone1`);
  log(`   GET /v1/instances/b/stubs/account/${lateId}:`, { state, attempts, secondsToHydrate, hydratedOn, accountInB: withoutAnnotations(lateInB.body) });

  const summary = await call('GET', api('/stubs/summary'), undefined, key);
  expectStatus('get the stub summary', summary.status, 200, summary.body);
  log('7. GET /v1/instances/b/stubs/summary:', { counts: summary.body.counts, timeToHydrate: summary.body.timeToHydrate, tables: summary.body.tables });
}

interface Receiver {
  url: string;
  secret: string;
  received: number;
  close(): Promise<void>;
}

/** A webhook receiver on a free local port: prints each event with its signature checked. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', secret: '', received: 0, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const check = verifyWebhookSignature(request.headers['x-dve-signature'] as string | undefined, body, receiver.secret);
      const event = JSON.parse(body) as Record<string, unknown>;
      receiver.received++;
      log(`   webhook ← ${String(event.type)} ${String(event.table)} ${String(event.recordId)} (cause ${String(event.cause)}${event.secondsToHydrate !== undefined ? `, ${String(event.secondsToHydrate)} s to hydrate` : ''}); signature ${check.valid ? 'verified' : `INVALID (${check.reason})`}`);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo-webhook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dataverse-ensure-demo-'));
  log(`Starting the API and local Dataverse instances a and b (data in ${dataDir})…`);
  const config = loadConfig({
    cwd: dataDir,
    env: { ...process.env, CONFIG_FILE: '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', DVE_INSTANCE_A_LOCAL_PORT: '0', DVE_INSTANCE_B_LOCAL_PORT: '0', API_KEYS: '' },
  });
  // The reconciler's first round comes after steps 1–5 (replication plays its part there); a stub whose
  // record was missing is tried again after 1 s instead of the default 10 s.
  config.reconciler = { ...config.reconciler, intervalSeconds: Number(process.env['DEMO_RECONCILER_INTERVAL_SECONDS'] ?? 6), retryBaseSeconds: 1 };
  let service: RunningService | undefined;
  try {
    service = await startService(config, { logger: createLogger({ level: 'warn' }) });
    log(`Started: API ${service.url} (docs ${service.url}/docs), A ${service.localInstances['a']!.webApiUrl}, B ${service.localInstances['b']!.webApiUrl}`);
    await play(service, service.generatedApiKey!);
    log('Done.');
  } finally {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
