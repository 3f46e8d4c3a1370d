/**
 * `npm run bench:coalescing` (also part of `npm run bench`) — what coalescing concurrent writes into
 * shared `$batch` requests, and spreading them over several identities, buy (issue #19). One run: the
 * local Dataverse in its own process (in memory, BENCH_LATENCY_MS, default 50, added to every request),
 * the API as `npm start` runs it in its own process; this process only generates load. Each submit
 * writes a contact whose parent account is missing (one stub each).
 *
 * 1. sweep — at 1, 8, 32 and 128 callers: Dataverse requests per record (the requests the local
 *    Dataverse counted ÷ records written; a `$batch` is one), submits/s, and p50/p99 at one caller, for
 *    coalescing (COALESCING_ENABLED=true), today's one-request-per-submit (COALESCING_ENABLED=false)
 *    and the naive flow straight to Dataverse (check the account, create it when missing, create the
 *    contact).
 * 2. cost — the same with `latencyPerBatchOperationMs` (BENCH_PER_OPERATION_MS, default 5) on top: a
 *    batch's operations run one after another in Dataverse, so a big batch costs more than one request.
 * 3. budget — the local Dataverse's service protection on (LIMITS, per identity), BENCH_BUDGET_CALLERS
 *    callers for BENCH_BUDGET_SECONDS: submits/s for coalescing vs today's, three identities
 *    (DVE_INSTANCE_B_LOCAL_USERS=app1,app2,app3) vs one, the 429s the service met and each identity's
 *    requests. Here b is the API's own local instance (`local`), where local users live.
 *
 * After every scenario it reads back from the local Dataverse that every record was written bound to
 * its account and that every account exists with its `ec_stub` row, and counts the non-2xx answers
 * callers got. BENCH_PARTS=sweep,cost,budget runs some parts only. Exit 1 on a wrong answer or a
 * missing feature (a part that could not be measured); a missed target prints ✗ only.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_SETTINGS, INSTANCE_SETTINGS } from '../src/config/environmentVariables';
import { freePort, startApi, type ApiProcess } from './apiProcess';
import { cpuMillis, LOCAL_DATAVERSE_READY, startChild, stopChild } from './childProcesses';
import { Answers, call, checkWritten, closeAgent, MissingFeature, naiveVia, submitVia, waitForQueue, Workload } from './coalescingWorkload';
import { runFor, runLoad, type LoadResult } from './loadLoop';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CALLERS = (process.env.BENCH_CALLERS ?? '1,8,32,128').split(',').map(Number);
/** Submits per caller count (at least 5 per caller, so that ramp-up and tail weigh little). */
const SUBMITS = Number(process.env.BENCH_COALESCING_SUBMITS ?? 400);
/** Submits at one caller: enough for a p99 that is not the single worst answer of a few. */
const SERIAL = Number(process.env.BENCH_COALESCING_SERIAL ?? 150);
const PER_OPERATION_MS = Number(process.env.BENCH_PER_OPERATION_MS ?? 5);
/** One identity's modelled budget: 200 requests per 10 s window (Dataverse's real one is 6,000 per 5 minutes), 52 at once. */
const LIMITS = { enabled: true, windowSeconds: 10, maxRequests: 200, maxExecutionMs: 1_200_000, maxConcurrent: 52 };
const BUDGET_CALLERS = Number(process.env.BENCH_BUDGET_CALLERS ?? 32);
const BUDGET_SECONDS = Number(process.env.BENCH_BUDGET_SECONDS ?? 20);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'sweep,cost,budget').split(','));
const USERS = 'app1,app2,app3';
const API_KEY = `bench-${randomUUID()}`;
const TABLES = ['account', 'contact'];

const COALESCING_KNOWN = ENVIRONMENT_SETTINGS.some((setting) => setting.variable === 'COALESCING_ENABLED');
const USERS_KNOWN = INSTANCE_SETTINGS.some((setting) => setting.suffix === 'LOCAL_USERS');
const noCoalescer = () => new MissingFeature('this build has no COALESCING_ENABLED setting (the write coalescer): coalescing cannot be switched on or off');
const noUsers = () => new MissingFeature('this build has no DVE_INSTANCE_<NAME>_LOCAL_USERS setting (several identities per instance)');

type Flow = 'coalescing' | 'today' | 'naive';
const FLOW_LABEL: Record<Flow, string> = { coalescing: 'coalescing', today: "today's", naive: 'naive' };

interface Row extends LoadResult {
  records: number;
  requestsPerRecord: number;
  answers: Answers;
  stats: Stats;
  /** CPU ms per record of the API and of the child local Dataverse during the load, where measured (Linux). */
  cpuPerRecord?: { api: number | undefined; dataverse: number | undefined };
}

/** Everything that went wrong: a wrong answer or a part not measured. Printed at the end; any → exit 1. */
const failures: string[] = [];

interface Stats {
  http: { total: number; byCaller?: Record<string, number> };
  batchOperations: { total: number };
}

async function admin(dataverse: string, path: string, body?: unknown): Promise<string> {
  const answer = await call(`${dataverse}/_admin/${path}`, body === undefined ? {} : { method: 'POST', body });
  if (answer.status === 404 && path === 'limits') throw new MissingFeature(`the local Dataverse has no POST /_admin/limits (service protection per identity): ${answer.text.slice(0, 200)}`);
  if (answer.status === 400 && path === 'faults') throw new MissingFeature(`the local Dataverse refused the fault ${JSON.stringify(body)}: ${answer.text.slice(0, 300)}`);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.text;
}

const stats = async (dataverse: string) => JSON.parse(await admin(dataverse, 'stats')) as Stats;

/**
 * Runs one scenario: the load, the local Dataverse's count of it, `settle` (e.g. limits off), then —
 * once whatever the API accepted into its queue is written — the read-back check.
 */
async function scenario<R extends LoadResult>(
  label: string,
  dataverse: string,
  api: ApiProcess | undefined,
  workload: Workload,
  load: (answers: Answers) => Promise<R>,
  settle: () => Promise<void> = async () => {},
  processes: { api?: ChildProcess; dataverse?: ChildProcess } = {},
): Promise<R & Row> {
  await admin(dataverse, 'stats/reset', {});
  const answers = new Answers();
  const cpuBefore = [processes.api, processes.dataverse].map((p) => (p ? cpuMillis(p) : undefined));
  const result = await load(answers);
  const [apiCpu, dataverseCpu] = [processes.api, processes.dataverse].map((p, i) => {
    const [before, after] = [cpuBefore[i], p ? cpuMillis(p) : undefined];
    return before === undefined || after === undefined ? undefined : (after - before) / workload.count;
  });
  const counted = await stats(dataverse);
  await settle();
  if (answers.accepted > 0 && api) await waitForQueue(api.url, API_KEY);
  const problems = await checkWritten(`${dataverse}/api/data/v9.2/`, workload, api !== undefined);
  if (answers.wrongCount > 0) problems.push(answers.describe(), ...answers.samples);
  for (const problem of problems) failures.push(`${label}: ${problem}`);
  const cpuPerRecord = apiCpu === undefined && dataverseCpu === undefined ? {} : { cpuPerRecord: { api: apiCpu, dataverse: dataverseCpu } };
  return { ...result, records: workload.count, requestsPerRecord: counted.http.total / workload.count, answers, stats: counted, ...cpuPerRecord };
}

const countAt = (callers: number) => (callers === 1 ? SERIAL : Math.max(SUBMITS, callers * 5));
const f = (n: number, digits = 1) => n.toFixed(digits);
const mark = (ok: boolean) => (ok ? '✓' : '✗');

async function warmUp(api: ApiProcess): Promise<void> {
  const workload = new Workload();
  const answers = new Answers();
  await runLoad(20, 4, submitVia(api.url, API_KEY, workload, answers));
  if (answers.wrongCount > 0) throw new Error(`warm-up: ${answers.describe()}; ${answers.samples.join('; ')}`);
}

function coalescingEnv(flow: Flow): Record<string, string> {
  return { API_KEYS: API_KEY, COALESCING_ENABLED: flow === 'coalescing' ? 'true' : 'false' };
}

/** 1 and 2: the caller sweep of one flow, and its cost line, against the child local Dataverse. */
async function sweep(dir: string, local: { child: ChildProcess; url: string }, flow: Flow, rows: Map<string, Row>): Promise<void> {
  const dataverse = local.url;
  const webApi = `${dataverse}/api/data/v9.2/`;
  await admin(dataverse, 'faults', { mode: 'slow', latencyMs: LATENCY_MS });
  if (flow === 'coalescing' && !COALESCING_KNOWN) throw noCoalescer();
  const remote = { url: dataverse, tables: TABLES };
  const config = { reconciler: { enabled: false }, instances: { a: remote, b: { ...remote, source: 'a', stubDefaults: { contact: { nameColumn: 'lastname' } } } } };
  // One API process per configuration, for every caller count (the naive flow needs none).
  const api = flow === 'naive' ? undefined : await startApi(dir, config, coalescingEnv(flow));
  const processes = { api: api?.child, dataverse: local.child };
  const operation = (workload: Workload, answers: Answers) => (api ? submitVia(api.url, API_KEY, workload, answers) : naiveVia(webApi, workload, answers));
  try {
    if (api) await warmUp(api);
    if (PARTS.has('sweep')) {
      for (const callers of CALLERS) {
        const workload = new Workload();
        const label = `${FLOW_LABEL[flow]}, ${callers} callers`;
        rows.set(`${flow}@${callers}`, await scenario(label, dataverse, api, workload, (answers) => runLoad(countAt(callers), callers, operation(workload, answers)), undefined, processes));
      }
    }
    if (PARTS.has('cost') && flow !== 'naive') {
      await admin(dataverse, 'faults', { mode: 'slow', latencyMs: LATENCY_MS, latencyPerBatchOperationMs: PER_OPERATION_MS });
      for (const callers of [32, 128]) {
        const workload = new Workload();
        const label = `${FLOW_LABEL[flow]}, ${callers} callers, +${PER_OPERATION_MS} ms per batch operation`;
        rows.set(`${flow}+cost@${callers}`, await scenario(label, dataverse, api, workload, (answers) => runLoad(countAt(callers), callers, operation(workload, answers)), undefined, processes));
      }
    }
  } finally {
    await admin(dataverse, 'faults', { mode: 'slow', latencyMs: LATENCY_MS }).catch(() => undefined);
    if (api) await stopChild(api.child);
  }
}

interface BudgetRow extends Row {
  seconds: number;
  count: number;
  /** 429 answers the service met (`≥ n` when the local Dataverse's request log overflowed). */
  throttled: string;
  byCaller: number[];
}

/** 3: one configuration under the local Dataverse's limits, b being the API's own local instance. */
async function budget(dir: string, source: string, flow: Flow, identities: 1 | 3): Promise<BudgetRow> {
  if (flow === 'coalescing' && !COALESCING_KNOWN) throw noCoalescer();
  if (identities === 3 && !USERS_KNOWN) throw noUsers();
  const port = await freePort();
  const b = { local: { port, memory: true }, source: 'a', tables: TABLES, stubDefaults: { contact: { nameColumn: 'lastname' } } };
  const config = { reconciler: { enabled: false }, instances: { a: { url: source, tables: TABLES }, b } };
  // The identities pace to the same sliding window as the local Dataverse's limits.
  const window = { DVE_INSTANCE_B_RATE_LIMIT_WINDOW_SECONDS: String(LIMITS.windowSeconds) };
  const api = await startApi(dir, config, { ...coalescingEnv(flow), ...window, ...(identities === 3 ? { DVE_INSTANCE_B_LOCAL_USERS: USERS } : {}) });
  const dataverse = `http://127.0.0.1:${port}`;
  try {
    await admin(dataverse, 'faults', { mode: 'slow', latencyMs: LATENCY_MS });
    await warmUp(api);
    await admin(dataverse, 'limits', LIMITS);
    const since = Date.now();
    const workload = new Workload();
    const label = `budget: ${FLOW_LABEL[flow]}, ${identities} ${identities === 1 ? 'identity' : 'identities'}`;
    let throttled = 0;
    let throttledAtLeast = false;
    const row = await scenario(
      label,
      dataverse,
      api,
      workload,
      (answers) => runFor(BUDGET_SECONDS * 1000, BUDGET_CALLERS, submitVia(api.url, API_KEY, workload, answers)),
      // Limits off before the queue drains and the check reads back (it reads as a caller too).
      async () => {
        const log = JSON.parse(await admin(dataverse, `requests?since=${since}`)) as { value: { status: number }[] };
        throttled = log.value.filter((entry) => entry.status === 429).length;
        // The request log keeps the last 10,000 requests: a full log may have lost earlier 429s.
        if (log.value.length >= 10_000) throttledAtLeast = true;
        await admin(dataverse, 'limits', { ...LIMITS, enabled: false });
      },
    );
    if (!row.stats.http.byCaller) throw new MissingFeature("the local Dataverse's /_admin/stats has no http.byCaller (requests per identity)");
    const byCaller = Object.values(row.stats.http.byCaller).sort((x, y) => y - x);
    if (identities === 3 && byCaller.length < 3) failures.push(`${label}: the local Dataverse saw ${byCaller.length} caller(s), not 3`);
    return { ...row, throttled: throttledAtLeast ? `≥ ${throttled}` : String(throttled), byCaller };
  } finally {
    await stopChild(api.child);
  }
}

function printSweep(rows: Map<string, Row>): void {
  const get = (flow: Flow, callers: number, suffix = '') => rows.get(`${flow}${suffix}@${callers}`);
  const cell = (row: Row | undefined, value: (r: Row) => string, width = 11) => (row ? value(row) : '—').padStart(width);
  const perRecordTarget: Record<number, number> = { 32: 0.25, 128: 0.1 };
  console.log(`\n== Coalescing: ${LATENCY_MS} ms per Dataverse request (local Dataverse), one missing account reference per submit`);
  console.log(`   submits per caller count: ${CALLERS.map((c) => `${c} callers ${countAt(c)}`).join(', ')}`);
  console.log('\nDataverse requests per record (requests the local Dataverse counted ÷ records written; a $batch is one)');
  console.log(`  ${'callers'.padStart(7)} ${'coalescing'.padStart(11)} ${"today's".padStart(11)} ${'naive'.padStart(11)}   target (coalescing)`);
  for (const callers of CALLERS) {
    const ours = get('coalescing', callers);
    const target = perRecordTarget[callers];
    const verdict = target === undefined ? '' : ours ? `≤ ${target} ${mark(ours.requestsPerRecord <= target)}` : `≤ ${target} (not measured)`;
    console.log(`  ${String(callers).padStart(7)} ${cell(ours, (r) => f(r.requestsPerRecord, 3))} ${cell(get('today', callers), (r) => f(r.requestsPerRecord, 3))} ${cell(get('naive', callers), (r) => f(r.requestsPerRecord, 3))}   ${verdict}`);
  }
  console.log('\nThroughput (submits/s)');
  console.log(`  ${'callers'.padStart(7)} ${'coalescing'.padStart(11)} ${"today's".padStart(11)} ${'naive'.padStart(11)}  coalescing/today's  today's/naive  coalescing/naive`);
  const ratio = (a: Row | undefined, b: Row | undefined) => (a && b ? `×${f(a.perSecond / b.perSecond, 2)}` : '—');
  for (const callers of CALLERS) {
    const [ours, today, naive] = (['coalescing', 'today', 'naive'] as const).map((flow) => get(flow, callers));
    console.log(`  ${String(callers).padStart(7)} ${cell(ours, (r) => f(r.perSecond))} ${cell(today, (r) => f(r.perSecond))} ${cell(naive, (r) => f(r.perSecond))}  ${ratio(ours, today).padStart(18)}  ${ratio(today, naive).padStart(13)}  ${ratio(ours, naive).padStart(16)}`);
  }
  const cpu = (row: Row | undefined) => {
    const c = row?.cpuPerRecord;
    return c ? `${c.api === undefined ? '—' : f(c.api)} + ${c.dataverse === undefined ? '—' : f(c.dataverse)}` : '—';
  };
  if ([...rows.values()].some((row) => row.cpuPerRecord)) {
    console.log('\nCPU ms per record, API + local Dataverse (both share this machine\'s cores with the load generator: where they run out, throughput stops growing;');
    console.log('the API\'s background work, such as its queue\'s polling, is spread over the records too, which weighs most at one caller)');
    console.log(`  ${'callers'.padStart(7)} ${'coalescing'.padStart(13)} ${"today's".padStart(13)} ${'naive'.padStart(13)}`);
    for (const callers of CALLERS) console.log(`  ${String(callers).padStart(7)} ${(['coalescing', 'today', 'naive'] as const).map((flow) => cpu(get(flow, callers)).padStart(13)).join(' ')}`);
  }
  if (CALLERS.includes(1)) {
    const [ours, today, naive] = (['coalescing', 'today', 'naive'] as const).map((flow) => get(flow, 1));
    console.log(`\nLatency at one caller (${SERIAL} submits one after another): p50 / p99 in ms`);
    for (const [label, row] of [['coalescing', ours], ["today's", today], ['naive', naive]] as const) console.log(`  ${label.padEnd(11)} ${cell(row, (r) => `${f(r.p50)} / ${f(r.p99)}`, 16)}`);
    if (ours && today) {
      const p50 = ours.p50 / today.p50;
      const p99 = ours.p99 / today.p99;
      console.log(`  coalescing / today's: p50 ×${f(p50, 2)} ${mark(p50 <= 1.1)}, p99 ×${f(p99, 2)} ${mark(p99 <= 1.1)} (target ≤ 1.1×)`);
    }
  }
}

function printCost(rows: Map<string, Row>): void {
  const get = (flow: Flow, callers: number, suffix = '') => rows.get(`${flow}${suffix}@${callers}`);
  const costRows = [32, 128].flatMap((callers) => (['coalescing', 'today'] as const).map((flow) => [flow, callers, get(flow, callers, '+cost')] as const)).filter(([, , row]) => row);
  if (costRows.length === 0) console.log('\nCost of big batches (latencyPerBatchOperationMs): not measured');
  else {
    console.log(`\nCost of big batches: ${LATENCY_MS} ms per request + ${PER_OPERATION_MS} ms per further operation in a $batch (latencyPerBatchOperationMs)`);
    for (const [flow, callers, row] of costRows) {
      const plain = get(flow, callers);
      console.log(`  ${FLOW_LABEL[flow].padEnd(11)} ${String(callers).padStart(3)} callers: ${f(row!.perSecond).padStart(7)}/s, p50 ${f(row!.p50)} ms, ${f(row!.requestsPerRecord, 3)} requests per record${plain ? ` (×${f(row!.perSecond / plain.perSecond, 2)} the throughput without the per-operation cost)` : ''}`);
    }
  }
}

function printBudget(rows: Map<string, BudgetRow>): void {
  console.log(`\n== Within one identity's budget: limits ${JSON.stringify(LIMITS)} per identity, ${LATENCY_MS} ms per request`);
  console.log(`   ${BUDGET_CALLERS} callers for ${BUDGET_SECONDS} s (a call under way then finishes); b is the API's own local instance`);
  for (const [label, row] of rows) {
    console.log(
      `  ${label.padEnd(30)} ${f(row.answers.ok / row.seconds).padStart(7)} submits/s answered 200 (${row.answers.ok} in ${f(row.seconds)} s), ${f(row.requestsPerRecord, 3)} requests per record,` +
        ` ${row.throttled} × 429 seen by the service, requests per identity: ${row.byCaller.join(' / ')}; ${row.answers.describe()}`,
    );
  }
  const rate = (key: string) => {
    const row = rows.get(key);
    return row ? row.answers.ok / row.seconds : undefined;
  };
  const compare = (what: string, a: string, b: string, target: number | undefined) => {
    const [x, y] = [rate(a), rate(b)];
    if (x === undefined || y === undefined) return console.log(`  ${what}: not measured`);
    console.log(`  ${what}: ×${f(x / y, 2)}${target === undefined ? ' (for information)' : ` ${mark(x / y >= target)} (target ≥ ${target}×)`}`);
  };
  compare("coalescing vs today's, one identity", 'coalescing, 1 identity', "today's, 1 identity", 4);
  compare("three identities vs one, today's", "today's, 3 identities", "today's, 1 identity", 2.5);
  compare('three identities vs one, coalescing', 'coalescing, 3 identities', 'coalescing, 1 identity', undefined);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dve-bench-coalescing-'));
  const dataverse = await startChild(join(__dirname, '../src/local-dataverse/cli.ts'), ['--port', '0', '--memory'], {}, LOCAL_DATAVERSE_READY);
  const children: ChildProcess[] = [dataverse.child];
  const attempt = async (part: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      failures.push(`${part}: ${error instanceof MissingFeature ? 'NOT MEASURED — ' : ''}${(error as Error).message}`);
    }
  };
  try {
    const rows = new Map<string, Row>();
    if (PARTS.has('sweep') || PARTS.has('cost')) {
      for (const flow of ['naive', 'today', 'coalescing'] as const) await attempt(`sweep (${FLOW_LABEL[flow]})`, () => sweep(dir, dataverse, flow, rows));
      if (PARTS.has('sweep')) printSweep(rows);
      if (PARTS.has('cost')) printCost(rows);
    }
    if (PARTS.has('budget')) {
      const budgetRows = new Map<string, BudgetRow>();
      for (const [flow, identities] of [['coalescing', 1], ['today', 1], ['today', 3], ['coalescing', 3]] as const) {
        const label = `${FLOW_LABEL[flow]}, ${identities} ${identities === 1 ? 'identity' : 'identities'}`;
        await attempt(`budget (${label})`, async () => void budgetRows.set(label, await budget(dir, dataverse.url, flow, identities)));
      }
      printBudget(budgetRows);
    }
  } finally {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
    await closeAgent();
  }
  if (failures.length > 0) {
    console.log('\nFAILED (wrong answers, or parts this build could not measure):');
    for (const failure of failures) console.log(`  ✗ ${failure}`);
    process.exitCode = 1;
  } else console.log('\nCorrectness: every record written bound to its account, every account present with its ec_stub row, no non-2xx answer.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
