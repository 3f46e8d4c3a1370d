/**
 * The coalescing bench's workload and its checks: submits of a contact whose parent account is
 * missing (one missing reference each), through the API or the naive way straight to Dataverse; what
 * the callers were answered; and, after each scenario, whether everything landed — read back from the
 * local Dataverse itself.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

/** Enough connections for 128 callers at once, to the API or straight to the local Dataverse. */
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
const json = { 'Content-Type': 'application/json' };

export interface Answer {
  status: number;
  text: string;
}

export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const response = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { ...(init.body !== undefined ? json : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    dispatcher: agent,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

export function closeAgent(): Promise<void> {
  return agent.close();
}

/** A part of the bench that needs a feature this build lacks: reported as such, and the bench exits 1. */
export class MissingFeature extends Error {}

/** What the callers were answered: 2xx, of which 202 (accepted into the durable queue, written later), and every other status. */
export class Answers {
  ok = 0;
  accepted = 0;
  readonly wrong = new Map<number, number>();
  readonly samples: string[] = [];

  note(answer: Answer, what: string): void {
    if (answer.status === 202) this.accepted += 1;
    else if (answer.status >= 200 && answer.status < 300) this.ok += 1;
    else {
      this.wrong.set(answer.status, (this.wrong.get(answer.status) ?? 0) + 1);
      if (this.samples.length < 3) this.samples.push(`${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
    }
  }

  get wrongCount(): number {
    return [...this.wrong.values()].reduce((a, b) => a + b, 0);
  }

  /** `0 non-2xx` or `3 non-2xx (429 ×2, 500 ×1)`. */
  describe(): string {
    const wrong = this.wrongCount === 0 ? '0 non-2xx' : `${this.wrongCount} non-2xx (${[...this.wrong].map(([s, n]) => `${s} ×${n}`).join(', ')})`;
    return this.accepted > 0 ? `${wrong}, ${this.accepted} answered 202 (queued, checked once drained)` : wrong;
  }
}

/** One scenario's records: contact `<run> <i>` whose parent account `id(i)` is missing until the write. */
export class Workload {
  readonly run = `${randomUUID().slice(0, 8)}`;
  private readonly ids: string[] = [];

  id(i: number): string {
    while (this.ids.length <= i) this.ids.push(randomUUID());
    return this.ids[i]!;
  }

  /** Records submitted so far (every index handed out was submitted). */
  get count(): number {
    return this.ids.length;
  }

  name(i: number): string {
    return `${this.run} ${i}`;
  }
}

/** A submit through the API: the contact, its parent account referenced by GUID (missing: a stub is made). */
export function submitVia(apiUrl: string, apiKey: string, workload: Workload, answers: Answers) {
  return async (i: number): Promise<void> => {
    const body = {
      table: 'contact',
      record: { lastname: workload.name(i) },
      references: { parentcustomerid_account: { table: 'account', key: { accountid: workload.id(i) }, name: workload.name(i) } },
    };
    answers.note(await call(`${apiUrl}/v1/instances/b/submit`, { method: 'POST', headers: { 'X-API-Key': apiKey }, body }), 'submit');
  };
}

/** The naive flow straight to Dataverse: check the reference, create it when missing, create the record. */
export function naiveVia(webApi: string, workload: Workload, answers: Answers) {
  return async (i: number): Promise<void> => {
    const id = workload.id(i);
    const check = await call(`${webApi}accounts(${id})?$select=accountid`);
    if (check.status === 404) {
      const created = await call(`${webApi}accounts`, { method: 'POST', body: { accountid: id, name: workload.name(i) } });
      if (created.status >= 300) return answers.note(created, 'naive: create the account');
    } else if (check.status !== 200) return answers.note(check, 'naive: check the account');
    answers.note(await call(`${webApi}contacts`, { method: 'POST', body: { lastname: workload.name(i), 'parentcustomerid_account@odata.bind': `/accounts(${id})` } }), 'naive: create the contact');
  };
}

async function readAll(webApi: string, path: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let next: string | undefined = `${webApi}${path}`;
  while (next) {
    const page = await call(next, { headers: { Prefer: 'odata.maxpagesize=5000' } });
    if (page.status !== 200) throw new Error(`reading ${path}: ${page.status} ${page.text.slice(0, 300)}`);
    const body = JSON.parse(page.text) as { value: Record<string, unknown>[]; '@odata.nextLink'?: string };
    rows.push(...body.value);
    next = body['@odata.nextLink'];
  }
  return rows;
}

/**
 * Every record of the workload written once, bound to its account; every account there; with
 * `stubs`, an `ec_stub` row for each account. Read from the local Dataverse at `webApi`. Returns the
 * problems found (none: correct).
 */
export async function checkWritten(webApi: string, workload: Workload, stubs: boolean): Promise<string[]> {
  const startsWith = (column: string) => encodeURIComponent(`startswith(${column},'${workload.run} ')`);
  const problems: string[] = [];
  const expect = (what: string, found: Map<string, number>, want: (i: number) => string) => {
    let missing = 0;
    let twice = 0;
    for (let i = 0; i < workload.count; i++) {
      const n = found.get(want(i)) ?? 0;
      if (n === 0) missing += 1;
      if (n > 1) twice += 1;
    }
    if (missing > 0) problems.push(`${missing} of ${workload.count} ${what} missing`);
    if (twice > 0) problems.push(`${twice} ${what} written more than once`);
    if (found.size > workload.count) problems.push(`${found.size - workload.count} ${what} that were never submitted`);
  };
  const tally = (values: string[]) => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());

  const contacts = await readAll(webApi, `contacts?$select=lastname,_parentcustomerid_value&$filter=${startsWith('lastname')}`);
  // A contact counts when its name and its parent both match the plan.
  expect('contacts bound to their account', tally(contacts.map((c) => `${String(c.lastname)}→${String(c._parentcustomerid_value).toLowerCase()}`)), (i) => `${workload.name(i)}→${workload.id(i)}`);
  const accounts = await readAll(webApi, `accounts?$select=accountid&$filter=${startsWith('name')}`);
  expect('referenced accounts', tally(accounts.map((a) => String(a.accountid).toLowerCase())), (i) => workload.id(i));
  if (stubs) {
    const rows = await readAll(webApi, `ec_stubs?$select=ec_recordid&$filter=${encodeURIComponent("ec_table eq 'account' and ")}${startsWith('ec_recordname')}`);
    expect('ec_stub rows of the stub accounts', tally(rows.map((r) => String(r.ec_recordid).toLowerCase())), (i) => workload.id(i));
  }
  return problems;
}

/** Until nothing the API accepted (202) is queued or running any more. */
export async function waitForQueue(apiUrl: string, apiKey: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = false;
    for (const state of ['queued', 'running']) {
      const page = JSON.parse((await call(`${apiUrl}/v1/operations?state=${state}&top=1`, { headers: { 'X-API-Key': apiKey } })).text) as { value: unknown[] };
      pending ||= page.value.length > 0;
    }
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`operations still queued after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
