/**
 * No absolute `Location` from a client's `Host` (locationBase.ts): with `PUBLIC_URL` it is always the
 * base; without it (loopback only) a `Host` naming a loopback host on the right port is kept, anything
 * else gives way to the address and port the request reached. 202 answers of the actions and the
 * subscription URL are built by the same function. Requests go out with node:http, which sends the
 * `Host` header exactly as given (fetch would not).
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import { createApp } from '../../../api/src/http';
import { isLoopbackHost } from '../../../api/src/config';
import { locationBaseUrl } from '../../../api/src/http/locationBase';
import type { ActionRunner } from '../../../api/src/http/routes/actionResponse';
import { subscriptionUrl } from '../../../api/src/http/routes/subscriptions';
import { API_KEY, RecordingService } from './httpTestApp';

const OPERATION_ID = '3f0c8f7e-1b2a-4c3d-8e9f-0a1b2c3d4e5f';
const silent = pino({ level: 'silent' });

/** An action runner that accepts everything for later: every action answers 202 + Location. */
function acceptingRunner(publicUrl?: string): ActionRunner {
  return {
    run: async () => ({ kind: 'accepted', operationId: OPERATION_ID, retryAfterSeconds: 5, replayed: false }),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
  };
}

async function listen(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
}

/** One request to 127.0.0.1:port with exactly this Host header (Node's server answers 400 without one). */
function send(port: number, method: string, path: string, host: string, body?: unknown): Promise<{ status: number; location: string | undefined; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const headers: Record<string, string> = { Host: host, 'X-API-Key': API_KEY, ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}) };
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, location: response.headers.location, body: text ? JSON.parse(text) : undefined });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const ENSURE_BODY = { table: 'account', key: { accountnumber: 'A-1' }, name: 'Contoso' };

describe('202 Location without PUBLIC_URL (loopback)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const app = createApp({ service: new RecordingService(), config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] }, logger: silent, actions: acceptingRunner() });
    ({ server, port } = await listen(app));
  });
  afterAll(async () => close(server));

  const locationFor = async (host: string) => {
    const answer = await send(port, 'POST', '/v1/instances/b/ensure', host, ENSURE_BODY);
    expect(answer.status).toBe(202);
    expect(answer.body.location).toBe(answer.location);
    return answer.location;
  };

  it('a foreign Host never reaches the Location: the bound address and port do', async () => {
    const bound = `http://127.0.0.1:${port}/v1/operations/${OPERATION_ID}`;
    for (const host of [
      'evil.example.com',
      `evil.example.com:${port}`,
      `127.0.0.1.evil.example.com:${port}`,
      `localhost.evil.example.com:${port}`,
      `localhost:${port}@evil.example.com`,
      `evil.example.com#@localhost:${port}`,
      `localhost:${port}/evil`,
      '10.0.0.1',
      `[fd00::1]:${port}`,
      'localhost:1',
      'localhost',
      '',
    ]) {
      expect([host, await locationFor(host)]).toEqual([host, bound]);
    }
  });

  it('a Host naming a loopback host on this port is kept (a browser on localhost keeps its origin)', async () => {
    expect(await locationFor(`localhost:${port}`)).toBe(`http://localhost:${port}/v1/operations/${OPERATION_ID}`);
    expect(await locationFor(`LOCALHOST:${port}`)).toBe(`http://localhost:${port}/v1/operations/${OPERATION_ID}`);
    expect(await locationFor(`127.0.0.1:${port}`)).toBe(`http://127.0.0.1:${port}/v1/operations/${OPERATION_ID}`);
    expect(await locationFor(`127.0.0.2:${port}`)).toBe(`http://127.0.0.2:${port}/v1/operations/${OPERATION_ID}`);
    expect(await locationFor(`[::1]:${port}`)).toBe(`http://[::1]:${port}/v1/operations/${OPERATION_ID}`);
  });
});

describe('with PUBLIC_URL', () => {
  it('is always the base, whatever the Host', async () => {
    const app = createApp({ service: new RecordingService(), config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] }, logger: silent, actions: acceptingRunner('https://dve.example.com/api/') });
    const { server, port } = await listen(app);
    try {
      for (const host of ['evil.example.com', `localhost:${port}`, `127.0.0.1:${port}`]) {
        const answer = await send(port, 'POST', '/v1/instances/b/ensure', host, ENSURE_BODY);
        expect([host, answer.location]).toEqual([host, `https://dve.example.com/api/v1/operations/${OPERATION_ID}`]);
      }
    } finally {
      await close(server);
    }
  });
});

describe('the subscription Location is built by the same function', () => {
  it('foreign Host → bound address; loopback Host on this port → kept; PUBLIC_URL → always', async () => {
    const app = express();
    app.get('/where', (request, response) => {
      response.json({ open: subscriptionUrl(request, undefined, 'id-1'), public: subscriptionUrl(request, 'https://dve.example.com', 'id-1'), base: locationBaseUrl(request, undefined) });
    });
    const { server, port } = await listen(app);
    try {
      expect((await send(port, 'GET', '/where', 'evil.example.com')).body).toEqual({
        open: `http://127.0.0.1:${port}/v1/subscriptions/id-1`,
        public: 'https://dve.example.com/v1/subscriptions/id-1',
        base: `http://127.0.0.1:${port}`,
      });
      expect((await send(port, 'GET', '/where', `localhost:${port}`)).body.open).toBe(`http://localhost:${port}/v1/subscriptions/id-1`);
    } finally {
      await close(server);
    }
  });
});

test('isLoopbackHost: localhost, 127/8, ::1 (with or without brackets), IPv4-mapped loopback; nothing else', () => {
  for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect([host, isLoopbackHost(host)]).toEqual([host, true]);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1', '[fd00::1]', '']) expect([host, isLoopbackHost(host)]).toEqual([host, false]);
});
