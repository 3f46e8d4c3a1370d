/**
 * `nextLink` of `GET /v1/operations` over real HTTP (the whole service, `PUBLIC_URL` set): each page but
 * the last names the absolute URL of the next one on the public base URL, with the same filters and page
 * size; requested with the same key (on the address the service really listens on, as a proxy behind
 * the public URL would forward it) it answers the next page; it never holds the key, and without the
 * key it is a 401 like any `/v1` call.
 */
import { API_KEY, call, startQueueFixture, type QueueFixture } from './queueFixture';

jest.setTimeout(120_000);

const PUBLIC_URL = 'https://ensure.example.com/gateway';

describe('operations list: nextLink', () => {
  let fixture: QueueFixture;
  beforeAll(async () => {
    fixture = await startQueueFixture({ env: { PUBLIC_URL } });
    for (let i = 0; i < 5; i++) expect((await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: `PAGE ${i}` } })).status).toBe(200);
  });
  afterAll(async () => fixture?.close());

  it('pages of 2 link to the next on PUBLIC_URL with the same filters; following them with the key lists every operation once; the last page has none', async () => {
    let page = await call(fixture.url, 'GET', '/v1/operations?state=succeeded&instance=b&top=2');
    expect(page.status).toBe(200);
    const seen: string[] = [];
    const links: string[] = [];
    for (;;) {
      seen.push(...(page.body.value as Array<{ id: string }>).map((operation) => operation.id));
      if (page.body.nextLink === undefined) break;
      const link = new URL(page.body.nextLink as string);
      links.push(link.href);
      expect(link.href.startsWith(`${PUBLIC_URL}/v1/operations?`)).toBe(true);
      expect(Object.fromEntries(link.searchParams)).toEqual({ state: 'succeeded', instance: 'b', top: '2', skipToken: page.body.nextSkipToken });
      expect(link.href).not.toContain(API_KEY);
      page = await call(fixture.url, 'GET', link.href.slice(PUBLIC_URL.length));
      expect(page.status).toBe(200);
    }
    expect(links).toHaveLength(2);
    expect(page.body.nextSkipToken).toBeUndefined();
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('a page with nothing after it has no nextLink; the link without the key is a 401', async () => {
    const all = await call(fixture.url, 'GET', '/v1/operations?top=500');
    expect(all.body.value.length).toBeGreaterThanOrEqual(5);
    expect(all.body).not.toHaveProperty('nextLink');
    const first = await call(fixture.url, 'GET', '/v1/operations?top=1');
    const path = new URL(first.body.nextLink as string).href.slice(PUBLIC_URL.length);
    const anonymous = await fetch(`${fixture.url}${path}`);
    expect(anonymous.status).toBe(401);
  });
});
