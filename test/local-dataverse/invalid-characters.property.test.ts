/**
 * A seeded, bounded property over the local Dataverse on a data folder: random strings from every
 * Unicode plane, rich in C0 controls, lone surrogates, U+FFFE/U+FFFF, quotes and percent-escapes, as
 * column values, alternate-key literals and `@odata.bind` keys. Never a 5xx: either the documented
 * 400 (0x80040278, or the URL/length error where that comes first) or a correct round trip. After
 * the run the instance still accepts writes and a restart brings back exactly what was written.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { hasInvalidXmlCharacter } from '../../api/src/local-dataverse/odata/XmlCharacters';
import { LocalDataverseFixture } from './localDataverseFixture';
import { INVALID_CHARACTERS_CODE, invalidCharactersMessage } from './invalidCharacters';
import { seedPgliteCluster } from '../support/pgliteTemplate';

jest.setTimeout(120_000);

const dv = new LocalDataverseFixture();
let folder: string;
const unexpected: unknown[] = [];
/** accountid → the values a read must show, after every write that succeeded. */
const kept = new Map<string, { name: unknown; accountnumber: unknown; description: unknown }>();

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'local-dataverse-property-'));
  seedPgliteCluster(join(folder, 'pgdata')); // an empty cluster copied in: no initdb
  await dv.start({ dataDir: folder, onUnexpectedError: (error) => unexpected.push(error) });
});
afterAll(async () => {
  await dv.stop();
  rmSync(folder, { recursive: true, force: true });
});

const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((n) => String.fromCodePoint(n));
/** One piece of a string: weighted towards what breaks parsers and storage. */
const piece = fc.oneof(
  { weight: 3, arbitrary: codePoint(0x00, 0x1f) }, // C0 controls, tab, LF, CR
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)) }, // a lone surrogate
  { weight: 1, arbitrary: fc.constantFrom('\ufffe', '\uffff', '\u007f', '\u0085', '\ufdd0', '\ufffd') },
  { weight: 3, arbitrary: fc.constantFrom("'", "''", '"', '%', '%00', '%27', '%2F', '%ED%A0%80', '%zz', '(', ')', ',', '=', '/', '\\', '$1', ' ') },
  { weight: 3, arbitrary: codePoint(0x20, 0x7e) },
  { weight: 2, arbitrary: codePoint(0x80, 0xffff) }, // the BMP (including surrogates as lone units)
  { weight: 2, arbitrary: codePoint(0x10000, 0x10ffff) }, // the other planes, as surrogate pairs
);
const text = fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(''));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Percent-encodes every UTF-16 unit; a lone surrogate as the three bytes a careless encoder sends. */
function percentEncode(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

const keySegment = (value: string) => `accounts(accountnumber=${percentEncode(`'${value.replace(/'/g, "''")}'`)})`;

async function remember(id: string): Promise<void> {
  const r = await dv.request('GET', `accounts(${id})?$select=name,accountnumber,description`);
  expect(r.status).toBe(200);
  const { name, accountnumber, description } = r.json();
  kept.set(id, { name, accountnumber, description });
}

function expectError(r: { status: number; json: () => any }, status: number, code: string, message?: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect({ status: r.status, code: r.json().error.code }).toEqual({ status, code });
  if (message !== undefined) expect(r.json().error.message).toBe(message);
}

test('random strings as values, key literals and bind keys: a 400 with the documented code, or a faithful round trip', async () => {
  await fc.assert(
    fc.asyncProperty(text, text, async (value, key) => {
      // As a column value.
      const created = await dv.request('POST', 'accounts', { name: value, description: value }, { Prefer: 'return=representation' });
      if (hasInvalidXmlCharacter(value)) {
        expectError(created, 400, INVALID_CHARACTERS_CODE, invalidCharactersMessage('name'));
      } else {
        expect(created.status).toBe(201);
        const id = created.json().accountid as string;
        const read = (await dv.request('GET', `accounts(${id})?$select=name,description`)).json();
        expect([read.name, read.description]).toEqual([value, value]);
        await remember(id);
      }

      // As an alternate-key literal in the URL: read, then upsert.
      const segment = keySegment(key);
      const upserted = await dv.request('PATCH', segment, { name: 'keyed' }, { Prefer: 'return=representation' });
      const read = await dv.request('GET', `${segment}?$select=accountnumber`);
      if (LONE_SURROGATE.test(key)) {
        expectError(upserted, 400, '0x80060888'); // no UTF-8 form: the URL is not correctly encoded
        expectError(read, 400, '0x80060888');
      } else if (hasInvalidXmlCharacter(key)) {
        expectError(upserted, 400, INVALID_CHARACTERS_CODE, invalidCharactersMessage('accountnumber'));
        expectError(read, 400, INVALID_CHARACTERS_CODE, invalidCharactersMessage('accountnumber'));
      } else if (upserted.status === 400) {
        expect(key.length).toBeGreaterThan(20); // account.accountnumber holds 20
        expectError(upserted, 400, '0x80044331');
        expect(read.status).toBe(404);
      } else {
        expect([200, 201]).toContain(upserted.status);
        expect(read.status).toBe(200);
        // Keys compare case-insensitively: an earlier record may hold the key in another case.
        expect((read.json().accountnumber as string).toLowerCase()).toBe(key.toLowerCase());
        await remember(read.json().accountid);
      }

      // As a key literal inside an @odata.bind, raw in the JSON body.
      const bind = `/accounts(accountnumber='${key.replace(/'/g, "''")}')`;
      const bound = await dv.request('POST', 'contacts', { lastname: 'p', 'parentcustomerid_account@odata.bind': bind });
      if (hasInvalidXmlCharacter(key)) expectError(bound, 400, INVALID_CHARACTERS_CODE, invalidCharactersMessage('parentcustomerid'));
      else expect([204, 400, 404]).toContain(bound.status); // found, a bad percent-escape or syntax, or no such key
      expect(unexpected).toEqual([]);
    }),
    { seed: 20240611, numRuns: 60, endOnFailure: true },
  );

  // Still accepting writes, and a restart brings back exactly what was written.
  const last = await dv.request('POST', 'accounts', { name: `after ${randomUUID()}` }, { Prefer: 'return=representation' });
  expect(last.status).toBe(201);
  await remember(last.json().accountid);
  await dv.stop();
  await dv.start({ dataDir: folder, onUnexpectedError: (error) => unexpected.push(error) });
  const rows = (await dv.request('GET', 'accounts?$select=name,accountnumber,description')).json().value as Array<Record<string, unknown>>;
  const restored = new Map(rows.map((r) => [r.accountid as string, { name: r.name, accountnumber: r.accountnumber, description: r.description }]));
  expect(restored).toEqual(kept);
  expect((await dv.request('POST', 'accounts', { name: 'after the restart' })).status).toBe(204);
  expect(unexpected).toEqual([]);
});
