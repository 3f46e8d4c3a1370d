/**
 * SSRF: the one address policy (AddressPolicy.ts) over every spelling of an address, applied when
 * subscribing (callbackUrlProblem) and on the delivery connection itself (guardedConnector, the
 * Webhooks agent).
 *
 * Connections are only ever made to loopback: a receiver on 127.0.0.1 shows that with
 * `allowPrivateNetworks: false` nothing reaches it — not by 127.0.0.1, not by a name that resolves to
 * it (`localhost`, or a test resolver), not by `[::ffff:127.0.0.1]` — and that with true it gets the
 * delivery. Non-loopback addresses are only ever classified, never connected to.
 */
import { lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { stubEvent } from '../../../api/src/events';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { addressProblem, callbackUrlProblem, classifyAddress, deliveryId, guardedConnector, startWebhooks, WEBHOOK_QUEUE, type CallbackPolicy, type LookupFunction } from '../../../api/src/webhooks';
import { waitFor } from './webhookReceiver';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

const open: CallbackPolicy = { allowPrivateNetworks: true };
const strict: CallbackPolicy = { allowPrivateNetworks: false };

/** [address as written, class, what it is, the IPv4 that decided] */
type Row = [string, 'forbidden' | 'private' | 'public', string, string?];

const METADATA_V4 = '169.254.169.254';
const TABLE: Row[] = [
  // 169.254.169.254, every way it can be written
  ['169.254.169.254', 'forbidden', 'a link-local address'],
  ['2852039166', 'forbidden', 'a link-local address', METADATA_V4],
  ['0251.0376.0251.0376', 'forbidden', 'a link-local address', METADATA_V4],
  ['0xa9fea9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['0xa9.0xfe.0xa9.0xfe', 'forbidden', 'a link-local address', METADATA_V4],
  ['169.254.43518', 'forbidden', 'a link-local address', METADATA_V4],
  ['169.16689662', 'forbidden', 'a link-local address', METADATA_V4],
  ['::ffff:169.254.169.254', 'forbidden', 'a link-local address', METADATA_V4],
  ['::ffff:a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['[::ffff:a9fe:a9fe]', 'forbidden', 'a link-local address', METADATA_V4],
  ['0:0:0:0:0:ffff:a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['::ffff:0:a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['::a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['::169.254.169.254', 'forbidden', 'a link-local address', METADATA_V4],
  ['64:ff9b::a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['64:ff9b::169.254.169.254', 'forbidden', 'a link-local address', METADATA_V4],
  ['64:ff9b:1::a9fe:a9fe', 'forbidden', 'a link-local address', METADATA_V4],
  ['64:ff9b:1:a9fe:a9:fe00::', 'forbidden', 'a link-local address', METADATA_V4],
  ['2002:a9fe:a9fe::1', 'forbidden', 'a link-local address', METADATA_V4],
  ['2001:0:a9fe:a9fe::1', 'forbidden', 'a link-local address', METADATA_V4],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'forbidden', 'a link-local address', METADATA_V4],
  // other cloud platform endpoints, link-local and unspecified
  ['169.254.170.2', 'forbidden', 'a link-local address'],
  ['fd00:ec2::254', 'forbidden', 'a cloud platform endpoint'],
  ['fd20:ce::254', 'forbidden', 'a cloud platform endpoint'],
  ['100.100.100.200', 'forbidden', 'a cloud platform endpoint'],
  ['168.63.129.16', 'forbidden', 'a cloud platform endpoint'],
  ['::ffff:168.63.129.16', 'forbidden', 'a cloud platform endpoint', '168.63.129.16'],
  ['fe80::1', 'forbidden', 'a link-local address'],
  ['fe80::1%eth0', 'forbidden', 'a link-local address'],
  ['0.0.0.0', 'forbidden', 'an unspecified address'],
  ['0', 'forbidden', 'an unspecified address', '0.0.0.0'],
  ['0.1.2.3', 'forbidden', 'an unspecified address'],
  ['::', 'forbidden', 'an unspecified address'],
  ['::ffff:0.0.0.0', 'forbidden', 'an unspecified address', '0.0.0.0'],
  // multicast, broadcast, reserved
  ['224.0.0.1', 'forbidden', 'a multicast address'],
  ['239.255.255.250', 'forbidden', 'a multicast address'],
  ['ff02::1', 'forbidden', 'a multicast address'],
  ['255.255.255.255', 'forbidden', 'a broadcast address'],
  ['0xffffffff', 'forbidden', 'a broadcast address', '255.255.255.255'],
  ['240.0.0.1', 'forbidden', 'a reserved address'],
  ['192.0.2.1', 'forbidden', 'a reserved address'],
  ['198.51.100.7', 'forbidden', 'a reserved address'],
  ['203.0.113.9', 'forbidden', 'a reserved address'],
  ['198.18.0.1', 'forbidden', 'a reserved address'],
  ['192.0.0.8', 'forbidden', 'a reserved address'],
  ['2001:db8::1', 'forbidden', 'a reserved address'],
  ['100::1', 'forbidden', 'a reserved address'],
  ['::8.8.8.8', 'forbidden', 'a reserved address', '8.8.8.8'],
  ['not-an-address', 'forbidden', 'not an IP address'],
  // 127.0.0.1: loopback, every way
  ['127.0.0.1', 'private', 'this machine'],
  ['127.1', 'private', 'this machine', '127.0.0.1'],
  ['2130706433', 'private', 'this machine', '127.0.0.1'],
  ['0x7f000001', 'private', 'this machine', '127.0.0.1'],
  ['0177.0.0.1', 'private', 'this machine', '127.0.0.1'],
  ['127.255.255.254', 'private', 'this machine'],
  ['::1', 'private', 'this machine'],
  ['[::1]', 'private', 'this machine'],
  ['::ffff:127.0.0.1', 'private', 'this machine', '127.0.0.1'],
  ['::ffff:7f00:1', 'private', 'this machine', '127.0.0.1'],
  ['::7f00:1', 'private', 'this machine', '127.0.0.1'],
  ['64:ff9b::7f00:1', 'private', 'this machine', '127.0.0.1'],
  ['2002:7f00:1::', 'private', 'this machine', '127.0.0.1'],
  // 10.0.0.1 and the other private ranges, every way
  ['10.0.0.1', 'private', 'a private network'],
  ['167772161', 'private', 'a private network', '10.0.0.1'],
  ['012.0.0.1', 'private', 'a private network', '10.0.0.1'],
  ['10.1', 'private', 'a private network', '10.0.0.1'],
  ['::ffff:10.0.0.1', 'private', 'a private network', '10.0.0.1'],
  ['::ffff:a00:1', 'private', 'a private network', '10.0.0.1'],
  ['::a00:1', 'private', 'a private network', '10.0.0.1'],
  ['64:ff9b::a00:1', 'private', 'a private network', '10.0.0.1'],
  ['2002:a00:1::1', 'private', 'a private network', '10.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private', 'a private network', '10.0.0.1'],
  ['172.16.0.1', 'private', 'a private network'],
  ['172.31.255.255', 'private', 'a private network'],
  ['192.168.1.1', 'private', 'a private network'],
  ['100.64.0.1', 'private', 'a private network'],
  ['100.127.255.254', 'private', 'a private network'],
  ['fd00::1', 'private', 'a private network'],
  ['fc00::1', 'private', 'a private network'],
  ['fec0::1', 'private', 'a private network'],
  ['64:ff9b:1::808:808', 'private', 'a private network'],
  // public: allowed under both settings
  ['8.8.8.8', 'public', 'a public address'],
  ['134744072', 'public', 'a public address', '8.8.8.8'],
  ['172.32.0.1', 'public', 'a public address'],
  ['100.128.0.1', 'public', 'a public address'],
  ['169.255.0.1', 'public', 'a public address'],
  ['20.50.2.1', 'public', 'a public address'],
  ['2606:4700:4700::1111', 'public', 'a public address'],
  ['2a01:111:f100::1', 'public', 'a public address'],
  ['::ffff:8.8.8.8', 'public', 'a public address', '8.8.8.8'],
  ['64:ff9b::808:808', 'public', 'a public address', '8.8.8.8'],
  ['2002:808:808::1', 'public', 'a public address', '8.8.8.8'],
];

describe('the address policy', () => {
  // Every row with four cells (jest hands a short row's test its `done` callback as the fourth).
  it.each(TABLE.map(([address, expectedClass, what, ipv4]) => [address, expectedClass, what, ipv4 ?? null] as const))('%s is %s (%s)', (address, expectedClass, what, ipv4) => {
    expect(classifyAddress(address)).toEqual({ class: expectedClass, what, ...(ipv4 !== null ? { ipv4 } : {}) });
  });

  it('forbidden is refused under both settings, private only without allowPrivateNetworks, public never', () => {
    for (const [address, expectedClass, what, ipv4] of TABLE) {
      const suffix = ipv4 !== undefined ? ` (${ipv4})` : '';
      const refusal = expectedClass === 'private' ? `must not point to this machine or a private network${suffix}` : `must not point to ${what}${suffix}`;
      expect([address, addressProblem(address, strict)]).toEqual([address, expectedClass === 'public' ? undefined : refusal]);
      expect([address, addressProblem(address, open)]).toEqual([address, expectedClass === 'forbidden' ? refusal : undefined]);
    }
  });
});

describe('at subscription time (callbackUrlProblem)', () => {
  // Every host as a URL would carry it: WHATWG URL turns IPv4 spellings into a.b.c.d and writes IPv6 in hex.
  const asUrl = (address: string) => `http://${address.includes(':') && !address.startsWith('[') ? `[${address.replace(/%.*$/, '')}]` : address}:8080/hook?sig=x`;
  const urlRows = TABLE.filter(([address]) => address !== 'not-an-address' && !address.includes('%'));

  it.each(urlRows)('http://%s/ is judged by the same policy', (address, expectedClass) => {
    const url = asUrl(address);
    expect(new URL(url).hostname).not.toBe('');
    expect(callbackUrlProblem(url, strict) === undefined).toBe(expectedClass === 'public');
    expect(callbackUrlProblem(url, open) === undefined).toBe(expectedClass !== 'forbidden');
  });

  it('the spellings WHATWG URL normalises reach the policy as the address they are', () => {
    expect(new URL('http://2852039166/').hostname).toBe('169.254.169.254');
    expect(new URL('http://0251.0376.0251.0376/').hostname).toBe('169.254.169.254');
    expect(new URL('http://0xa9fea9fe/').hostname).toBe('169.254.169.254');
    expect(new URL('http://169.254.43518/').hostname).toBe('169.254.169.254');
    expect(new URL('http://[::ffff:169.254.169.254]/').hostname).toBe('[::ffff:a9fe:a9fe]');
    expect(callbackUrlProblem('http://[::ffff:a9fe:a9fe]/latest/meta-data/', open)).toBe('must not point to a link-local address (169.254.169.254)');
    expect(callbackUrlProblem('http://[::ffff:127.0.0.1]:8080/', strict)).toBe('must not point to this machine or a private network (127.0.0.1)');
    expect(callbackUrlProblem('http://[::ffff:127.0.0.1]:8080/', open)).toBeUndefined();
    expect(callbackUrlProblem('http://localhost.:8080/', strict)).toBe('must not point to this machine or a private network');
    expect(callbackUrlProblem('http://receiver.localhost:8080/', strict)).toBe('must not point to this machine or a private network');
    expect(callbackUrlProblem('https://example.com/hook', strict)).toBeUndefined();
  });
});

/** An HTTP receiver on 127.0.0.1 that counts TCP connections and requests. */
class CountingReceiver {
  connections = 0;
  requests = 0;
  readonly paths: string[] = [];
  port = 0;
  private server: Server | undefined;

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      this.requests += 1;
      this.paths.push(request.url ?? '/');
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    server.on('connection', () => {
      this.connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

/** The system's resolver, plus two test names: `callback.test` → 127.0.0.1, `mixed.test` → 127.0.0.1 and 10.0.0.1. */
const testLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'callback.test') return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  if (hostname === 'mixed.test') return callback(null, [{ address: '127.0.0.1', family: 4 }, { address: '10.0.0.1', family: 4 }]);
  dnsLookup(hostname, options, callback);
};

describe('at connect time (guardedConnector, the delivery agent)', () => {
  let receiver: CountingReceiver;
  beforeEach(async () => {
    receiver = await new CountingReceiver().start();
  });
  afterEach(async () => receiver.stop());

  async function post(url: string, policy: CallbackPolicy): Promise<{ status?: number; code?: string; message?: string }> {
    const agent = new Agent({ connect: guardedConnector(policy, { timeout: 2000, lookup: testLookup }) });
    try {
      const response = await undiciFetch(url, { method: 'POST', body: '{}', redirect: 'manual', dispatcher: agent });
      await response.body?.cancel();
      return { status: response.status };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ...(cause?.code ? { code: cause.code } : {}), ...(cause?.message ? { message: cause.message } : {}) };
    } finally {
      await agent.close();
    }
  }

  const targets = (port: number) => [
    `http://127.0.0.1:${port}/hook`,
    `http://2130706433:${port}/hook`,
    `http://localhost:${port}/hook`,
    `http://callback.test:${port}/hook`,
    `http://[::ffff:127.0.0.1]:${port}/hook`,
    `http://[::ffff:7f00:1]:${port}/hook`,
  ];

  it('allowPrivateNetworks false: no connection reaches the loopback receiver, by any address or name', async () => {
    for (const url of targets(receiver.port)) {
      expect([url, await post(url, strict)]).toEqual([url, { code: 'ECALLBACKREFUSED', message: expect.stringContaining('must not point to this machine or a private network') }]);
    }
    expect(await post(`http://mixed.test:${receiver.port}/hook`, { allowPrivateNetworks: false })).toMatchObject({ code: 'ECALLBACKREFUSED' });
    expect(receiver.connections).toBe(0);
    expect(receiver.requests).toBe(0);
  });

  it('allowPrivateNetworks true: every one of them delivers', async () => {
    const reached = [];
    for (const url of targets(receiver.port)) reached.push([url, await post(url, open)]);
    expect(reached).toEqual(targets(receiver.port).map((url) => [url, { status: 204 }]));
    expect(receiver.requests).toBe(targets(receiver.port).length);
  });

  it('the socket’s remote address is checked once connected, before the request is written', async () => {
    // A policy that allows the first question (the literal's check) and refuses the next (the socket's):
    // only the last line stands between the connection and the request.
    let asked = 0;
    const flipping: CallbackPolicy = {
      get allowPrivateNetworks() {
        asked += 1;
        return asked === 1;
      },
    };
    expect(await post(`http://127.0.0.1:${receiver.port}/hook`, flipping)).toMatchObject({ code: 'ECALLBACKREFUSED' });
    await waitFor(() => receiver.connections === 1 || undefined, 5000, 'the connection');
    expect(receiver.requests).toBe(0);
  });
});

describe('the Webhooks delivery path', () => {
  jest.setTimeout(60_000);
  const silent = pino({ level: 'silent' });
  let boss: QueueBoss;
  beforeAll(async () => {
    boss = await createQueue({ memory: true, template: pgliteTemplateDump(), boss: { supervise: false, schedule: false } });
  });
  afterAll(async () => boss?.stop({ graceful: false }));

  it('with allowPrivateNetworks false a delivery to loopback fails without connecting (a name, an IPv4-mapped literal); with true it arrives', async () => {
    const receiver = await new CountingReceiver().start();
    const instances = [{ name: 'b', tables: ['account'] }];
    const settings = { retryLimit: 0, retryDelaySeconds: 1, timeoutSeconds: 2, cacheSeconds: 0 };
    const strictHooks = await startWebhooks({ boss, instances, settings: { ...settings, allowPrivateNetworks: false }, logger: silent, lookup: testLookup });
    try {
      // A name passes the subscription check (it is not resolved then); its address is refused at connect.
      const byName = await strictHooks.subscribe({ instance: 'b', events: ['stub.created'], callbackUrl: `http://callback.test:${receiver.port}/by-name` });
      // A literal made under a laxer setting (written to the store directly): refused before connecting.
      const byLiteral = (await strictHooks.store.create({ instance: 'b', events: ['stub.created'], callbackUrl: `http://[::ffff:127.0.0.1]:${receiver.port}/mapped` }))!;
      const event = stubEvent({ type: 'stub.created', instance: 'b', table: 'account', recordId: randomUUID(), state: 'Pending', cause: 'ensure' });
      expect(await strictHooks.publish(event)).toBe(2);
      for (const subscription of [byName, byLiteral]) {
        const job = await waitFor(async () => {
          const found = await boss.getJobById(WEBHOOK_QUEUE, deliveryId(subscription.id, event.id));
          return found?.state === 'failed' ? found : undefined;
        }, 30_000, 'the refused delivery');
        expect(JSON.stringify(job.output)).toMatch(/refused: .*must not point to this machine or a private network/);
      }
      expect(receiver.connections).toBe(0);
      expect(receiver.requests).toBe(0);
      const admin = { apiKey: 'admin', admin: true };
      await strictHooks.unsubscribe(byName.id, admin);
      await strictHooks.unsubscribe(byLiteral.id, admin);
    } finally {
      await strictHooks.stop();
    }

    const openHooks = await startWebhooks({ boss, instances, settings: { ...settings, allowPrivateNetworks: true }, logger: silent, lookup: testLookup });
    try {
      await openHooks.subscribe({ instance: 'b', events: ['stub.created'], callbackUrl: `http://callback.test:${receiver.port}/by-name` });
      await openHooks.subscribe({ instance: 'b', events: ['stub.created'], callbackUrl: `http://[::ffff:127.0.0.1]:${receiver.port}/mapped` });
      const event = stubEvent({ type: 'stub.created', instance: 'b', table: 'account', recordId: randomUUID(), state: 'Pending', cause: 'ensure' });
      expect(await openHooks.publish(event)).toBe(2);
      await waitFor(() => receiver.paths.length >= 2 || undefined, 30_000, 'both deliveries');
      expect(receiver.paths.sort()).toEqual(['/by-name', '/mapped']);
    } finally {
      await openHooks.stop();
      await receiver.stop();
    }
  });
});
