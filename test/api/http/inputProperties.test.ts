/**
 * Property-based (fast-check, fixed seeds, bounded runs) over the whole service as `npm start` runs it
 * (`startService`: the API, the durable queue on PGlite, two local Dataverse instances over HTTP).
 * Random text — every Unicode plane, C0/C1 controls, lone surrogates, quotes, percent-escapes — is put
 * in one field of an ensure, submit or hydrate (key, name, stub column, record value, reference,
 * `@odata.bind` path) or of a URL path. Properties:
 * - never a 5xx; a 4xx names the field that holds the generated value (and, when the request itself was
 *   refused, no operation was recorded for it); a 2xx wrote exactly that value (read back from the
 *   local Dataverse);
 * - after every run, a known-good submit to the same target still succeeds (the target is not poisoned);
 * - poison sent in parallel with good requests fails alone: every good request succeeds.
 */
import fc from 'fast-check';
import { call, setFault, startQueueFixture, waitForDrain, type Answer, type QueueFixture } from '../queue/queueFixture';

jest.setTimeout(120_000);

const NAV = 'parentcustomerid_account';
const BIND = `${NAV}@odata.bind`;
const char = (code: number) => String.fromCharCode(code);

/** Pieces of hostile text; a generated value joins a few of them. */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }, // any code point of any plane
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 4 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1f }).map(char) }, // C0 controls
  { weight: 1, arbitrary: fc.integer({ min: 0x7f, max: 0x9f }).map(char) }, // DEL and C1 controls
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map(char) }, // lone surrogates
  {
    weight: 3,
    arbitrary: fc.constantFrom("'", "''", "')", '%00', '%27', '%2F', '%E0%A4', '%2500', '%', '\r\n', '\t', '\ufffe', '\uffff', '\ufffd', '😀', '\u{10ffff}', '/', '#', '?', '$', ',', '=', '(', ')', ' '),
  },
);
/** Text a key may well hold (any printable grapheme of any plane, quotes, C1, tab): some runs must succeed. */
const benignPiece = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 3 }), fc.constantFrom("'", "''", '😀', ' ', '\t', '\u0085', '\ufffd', 'é', '-', 'A'));
const hostileText = (maxLength: number) =>
  fc
    .oneof({ weight: 3, arbitrary: fc.array(piece, { maxLength: 5 }) }, { weight: 1, arbitrary: fc.array(benignPiece, { minLength: 1, maxLength: 4 }) })
    .map((pieces) => pieces.join('').slice(0, maxLength));

/** Text holding at least one character Dataverse refuses (not an XML 1.0 character). */
const poisonText = fc
  .tuple(hostileText(8), fc.constantFrom('\u0000', '\u0001', '\u001f', '\ud800', '\udfff', '\ufffe', '\uffff'), hostileText(8))
  .map(([before, poison, after]) => `${before}${poison}${after}`);

/** Percent-encodes every UTF-8 byte but the unreserved characters; a lone surrogate as its (invalid) CESU-8 bytes. */
function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const character = pair ? text.slice(i, i + 2) : text[i]!;
    if (pair) i++;
    if (/^[A-Za-z0-9\-_.~]$/.test(character)) {
      out += character;
      continue;
    }
    const bytes = unit >= 0xd800 && unit <= 0xdfff && !pair ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)] : [...Buffer.from(character, 'utf8')];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const pathSegment = fc
  .tuple(hostileText(12), fc.boolean())
  .map(([v, encode]) => (encode ? percentEncode(v) : v.replace(/[^\x21-\x7e]|[/?#]/gu, (c) => percentEncode(c))))
  .filter((segment) => !/^(\.|%2e){0,2}$/i.test(segment));

let unique = 0;
/** A key no other request used (accountnumber: at most 20 characters). */
const freshKey = () => `PB-${process.pid % 1000}-${++unique}`;

interface Scenario {
  label: string;
  method: 'POST' | 'GET';
  path: string;
  body?: unknown;
  /** The fields a 4xx may name: the one holding the generated value. */
  fields: string[];
  /** For a 2xx: checks the write against the local Dataverse. */
  verify?: (answer: Answer) => Promise<void>;
}

describe('random hostile text in every field, over the real HTTP API', () => {
  let f: QueueFixture;
  const read = async (entitySet: string, id: string, select: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${f.b}/api/data/v9.2/${entitySet}(${id})?$select=${select}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  /** Dataverse keeps an empty string as null. */
  const sameText = (stored: unknown, sent: string) => expect(stored ?? '').toBe(sent);
  /** Alternate keys compare case-insensitively: an `exists` answer may be a record stored with other case. */
  const sameKey = (stored: unknown, sent: string, created: boolean) => (created ? expect(stored).toBe(sent) : expect(String(stored).toLowerCase()).toBe(sent.toLowerCase()));

  const verifyAccountKey = (key: string) => async (answer: Answer) => {
    const account = await read('accounts', answer.body.id, 'accountnumber');
    sameKey(account.accountnumber, key, answer.body.outcome === 'created-stub' || answer.body.operation === 'created');
  };
  const verifyReferencedAccount = (key: string, name?: string) => async (answer: Answer) => {
    const contact = await read('contacts', answer.body.id, '_parentcustomerid_value');
    const account = await read('accounts', String(contact._parentcustomerid_value), 'accountnumber,name');
    const created = answer.body.stubsCreated.length === 1;
    sameKey(account.accountnumber, key, created);
    if (created && name !== undefined) sameText(account.name, name);
  };

  const scenarios: Array<fc.Arbitrary<Scenario>> = [
    hostileText(20).map((v) => ({
      label: 'ensure key',
      method: 'POST' as const,
      path: '/v1/instances/b/ensure',
      body: { table: 'account', key: { accountnumber: v } },
      fields: ['body.key.accountnumber'],
      verify: verifyAccountKey(v),
    })),
    hostileText(160).map((v) => ({
      label: 'ensure name',
      method: 'POST' as const,
      path: '/v1/instances/b/ensure',
      body: { table: 'account', key: { accountnumber: freshKey() }, name: v },
      fields: ['body.name'],
      verify: async (answer: Answer) => sameText((await read('accounts', answer.body.id, 'name')).name, v),
    })),
    hostileText(200).map((v) => ({
      label: 'ensure stub column',
      method: 'POST' as const,
      path: '/v1/instances/b/ensure',
      body: { table: 'account', key: { accountnumber: freshKey() }, columns: { description: v } },
      fields: ['body.columns.description'],
      verify: async (answer: Answer) => sameText((await read('accounts', answer.body.id, 'description')).description, v),
    })),
    hostileText(50).map((v) => ({
      label: 'submit record value',
      method: 'POST' as const,
      path: '/v1/instances/b/submit',
      body: { table: 'contact', record: { lastname: 'P', firstname: v } },
      fields: ['body.record.firstname'],
      verify: async (answer: Answer) => sameText((await read('contacts', answer.body.id, 'firstname')).firstname, v),
    })),
    hostileText(20).map((v) => ({
      label: 'submit key',
      method: 'POST' as const,
      path: '/v1/instances/b/submit',
      body: { table: 'account', key: { accountnumber: v }, record: { name: 'P' } },
      fields: ['body.key.accountnumber'],
      verify: verifyAccountKey(v),
    })),
    hostileText(20).map((v) => ({
      label: 'submit reference key',
      method: 'POST' as const,
      path: '/v1/instances/b/submit',
      body: { table: 'contact', record: { lastname: 'P' }, references: { [NAV]: { table: 'account', key: { accountnumber: v } } } },
      fields: [`body.references.${NAV}.key.accountnumber`],
      verify: verifyReferencedAccount(v),
    })),
    hostileText(160).map((v) => {
      const key = freshKey();
      return {
        label: 'submit reference name',
        method: 'POST' as const,
        path: '/v1/instances/b/submit',
        body: { table: 'contact', record: { lastname: 'P' }, references: { [NAV]: { table: 'account', key: { accountnumber: key }, name: v } } },
        fields: [`body.references.${NAV}.name`],
        verify: verifyReferencedAccount(key, v),
      };
    }),
    // A bind written raw: the service percent-decodes it, so the stored key is the decoded text.
    hostileText(20).map((v) => {
      const decoded = decodedOrUndefined(v);
      return {
        label: 'submit @odata.bind (raw)',
        method: 'POST' as const,
        path: '/v1/instances/b/submit',
        body: { table: 'contact', record: { lastname: 'P', [BIND]: `/accounts(accountnumber='${v.replace(/'/g, "''")}')` } },
        fields: [`body.record.${BIND}`],
        verify: async (answer: Answer) => {
          expect(decoded).toBeDefined();
          await verifyReferencedAccount(decoded!)(answer);
        },
      };
    }),
    // A bind percent-encoded byte by byte: the stored key is the text itself.
    hostileText(20).map((v) => ({
      label: 'submit @odata.bind (percent-encoded)',
      method: 'POST' as const,
      path: '/v1/instances/b/submit',
      body: { table: 'contact', record: { lastname: 'P', [BIND]: `/accounts(accountnumber='${percentEncode(v.replace(/'/g, "''"))}')` } },
      fields: [`body.record.${BIND}`],
      verify: verifyReferencedAccount(v),
    })),
    hostileText(20).map((v) => ({
      label: 'hydrate key',
      method: 'POST' as const,
      path: '/v1/instances/b/hydrate',
      body: { table: 'account', key: { accountnumber: v }, record: { name: 'P' } },
      fields: ['body.key.accountnumber'],
      verify: verifyAccountKey(v),
    })),
    hostileText(160).map((v) => ({
      label: 'hydrate record value',
      method: 'POST' as const,
      path: '/v1/instances/b/hydrate',
      body: { table: 'account', key: { accountnumber: freshKey() }, record: { name: v } },
      fields: ['body.record.name'],
      verify: async (answer: Answer) => sameText((await read('accounts', answer.body.id, 'name')).name, v),
    })),
    // URL paths: the text percent-encoded, or raw (only what a URL cannot carry is escaped, so malformed
    // escapes stay malformed). Not empty, "." or "..": those are another route (404), or none.
    pathSegment.map((segment) => ({
      label: 'path: instance',
      method: 'POST' as const,
      path: `/v1/instances/${segment}/ensure`,
      body: { table: 'account', key: { accountnumber: 'PB-PATH' } },
      fields: ['path', 'params.instance'],
    })),
    pathSegment.map((segment) => ({
      label: 'path: operation id',
      method: 'GET' as const,
      path: `/v1/operations/${segment}`,
      fields: ['path', 'params.id'],
    })),
  ];

  beforeAll(async () => {
    f = await startQueueFixture({ reconciler: { enabled: false } });
  });
  afterAll(async () => {
    await f?.close();
  });

  const goodSubmit = (i: number | string) => ({
    table: 'contact',
    record: { lastname: `Good ${i}` },
    references: { [NAV]: { table: 'account', key: { accountnumber: 'PB-GOOD-1' }, name: 'Good Co' } },
  });
  const expectGood = async (answer: Answer, i: number | string) => {
    expect([answer.status, answer.body?.error]).toEqual([200, undefined]);
    expect((await read('contacts', answer.body.id, 'lastname')).lastname).toBe(`Good ${i}`);
  };

  it('never a 5xx; a 4xx names the field holding the value; a 2xx wrote the value; the target stays healthy', async () => {
    const seen = new Map<string, Record<string, number>>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(...scenarios), async (scenario) => {
        const answer = await call(f.url, scenario.method, scenario.path, scenario.body);
        const outcome = `${answer.status}`;
        const counts = seen.get(scenario.label) ?? {};
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        seen.set(scenario.label, counts);
        const context = { scenario: scenario.label, status: answer.status, error: answer.body?.error };
        expect(answer.status < 500 ? 'no 5xx' : context).toBe('no 5xx');
        if (answer.status >= 400) {
          expect(scenario.fields.includes(answer.body.error?.field) ? 'names the field' : context).toBe('names the field');
          // A request refused by validation was never recorded, let alone queued.
          if (answer.body.error.code === 'InvalidRequest') expect(answer.headers.get('x-operation-id')).toBeNull();
        } else {
          expect(answer.status).toBe(200);
          await scenario.verify?.(answer);
        }
        const good = await call(f.url, 'POST', '/v1/instances/b/submit', goodSubmit(unique));
        await expectGood(good, unique);
      }),
      { seed: 20261203, numRuns: 250 },
    );
    // Each scenario ran, and the generator reached both outcomes where both exist.
    for (const label of ['ensure key', 'submit record value', 'submit @odata.bind (raw)', 'submit @odata.bind (percent-encoded)', 'hydrate key']) {
      const counts = seen.get(label) ?? {};
      expect([label, Object.keys(counts).some((s) => s.startsWith('2')), Object.keys(counts).some((s) => s.startsWith('4'))]).toEqual([label, true, true]);
    }
    // Nothing was left in the queue: everything accepted ran, nothing refused was queued.
    const failed = await call(f.url, 'GET', '/v1/operations?state=failed&top=1');
    expect(failed.body.value).toEqual([]);
  });

  it('poison sent in parallel with good requests fails alone: every good request succeeds', async () => {
    const poisonRequest = fc.oneof(
      poisonText.map((v) => ({ path: '/v1/instances/b/submit', body: { table: 'contact', record: { lastname: 'P', firstname: v } }, field: 'body.record.firstname' })),
      poisonText.map((v) => ({ path: '/v1/instances/b/ensure', body: { table: 'account', key: { accountnumber: v } }, field: 'body.key.accountnumber' })),
      poisonText.map((v) => ({ path: '/v1/instances/b/submit', body: { table: 'contact', record: { lastname: 'P', [BIND]: `/accounts(accountnumber='${percentEncode(v.replace(/'/g, "''"))}')` } }, field: `body.record.${BIND}` })),
      poisonText.map((v) => ({ path: '/v1/instances/b/submit', body: { table: 'contact', record: { lastname: 'P' }, references: { [NAV]: { table: 'account', key: { accountnumber: 'PB-GOOD-1' }, name: v } } }, field: `body.references.${NAV}.name` })),
      poisonText.map((v) => ({ path: '/v1/instances/b/hydrate', body: { table: 'account', key: { accountnumber: 'PB-GOOD-1' }, record: { name: 'Good Co', description: [v] } }, field: 'body.record.description[0]' })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(poisonRequest, { minLength: 10, maxLength: 10 }), async (poison) => {
        const run = ++unique;
        const goods = Array.from({ length: 30 }, (_, i) => `${run}-${i}`);
        const [goodAnswers, poisonAnswers] = await Promise.all([
          Promise.all(goods.map((i) => call(f.url, 'POST', '/v1/instances/b/submit', goodSubmit(i)))),
          Promise.all(poison.map((p) => call(f.url, 'POST', p.path, p.body))),
        ]);
        for (const [i, answer] of goodAnswers.entries()) await expectGood(answer, goods[i]!);
        expect(poisonAnswers.map((a) => [a.status, a.body.error?.code, a.body.error?.field])).toEqual(poison.map((p) => [400, 'InvalidRequest', p.field]));
      }),
      { seed: 20261204, numRuns: 4 },
    );
  });

  it('poison is refused, not queued, while the target is down; the good request queued beside it runs when it is back', async () => {
    await setFault(f.b, { mode: 'down' });
    try {
      const poison = await call(f.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: 'x', [BIND]: "/accounts(accountnumber='nul%00x')" } });
      expect([poison.status, poison.body.error.field, poison.headers.get('x-operation-id')]).toEqual([400, `body.record.${BIND}`, null]);
      const surrogate = await call(f.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: 'x\ud800' } });
      expect([surrogate.status, surrogate.body.error.field]).toEqual([400, 'body.record.lastname']);
      const good = await call(f.url, 'POST', '/v1/instances/b/submit', goodSubmit('queued'));
      expect(good.status).toBe(202);
    } finally {
      await setFault(f.b, { mode: 'none' });
    }
    await waitForDrain(f.url);
    const failed = await call(f.url, 'GET', '/v1/operations?state=failed&top=1');
    expect(failed.body.value).toEqual([]);
    const after = await call(f.url, 'POST', '/v1/instances/b/submit', goodSubmit('after'));
    await expectGood(after, 'after');
  });
});
