/**
 * The pieces without a network: HMAC signatures as a receiver checks them (README "Verifying a
 * delivery"), the callback URL policy (SSRF) and the derived delivery ids. The events themselves come
 * from the core where it writes the rows: test/api/core/stubEvents.test.ts.
 */
import { createHmac } from 'node:crypto';
import { addressProblem, callbackUrlProblem, deliveryId, newWebhookSecret, signWebhook, verifyWebhookSignature } from '../../../api/src/webhooks';
import { guardedLookup } from '../../../api/src/webhooks/CallbackUrl';

describe('signatures', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: 'e1', type: 'stub.created' });

  it('t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>, verified as a receiver would', () => {
    const header = signWebhook(secret, body, 1_800_000_000);
    const expected = createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex');
    expect(header).toBe(`t=1800000000,v1=${expected}`);
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: 1_800_000_100 })).toEqual({ valid: true, timestamp: 1_800_000_000 });
    expect(verifyWebhookSignature(header, Buffer.from(body), secret, { nowSeconds: 1_800_000_000 }).valid).toBe(true);
    expect(verifyWebhookSignature(`${header},v1=${'0'.repeat(64)}`, body, secret, { nowSeconds: 1_800_000_000 }).valid).toBe(true);
  });

  it('refuses a changed body, another secret, an old or future timestamp, a malformed header', () => {
    const header = signWebhook(secret, body, 1_800_000_000);
    const at = { nowSeconds: 1_800_000_000 };
    expect(verifyWebhookSignature(header, `${body} `, secret, at)).toEqual({ valid: false, reason: 'signature does not match' });
    expect(verifyWebhookSignature(header, body, newWebhookSecret(), at).valid).toBe(false);
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: 1_800_000_301 })).toEqual({ valid: false, reason: 'timestamp outside the tolerance' });
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: 1_799_999_000 }).valid).toBe(false);
    expect(verifyWebhookSignature(undefined, body, secret, at).valid).toBe(false);
    expect(verifyWebhookSignature('v1=abc', body, secret, at)).toEqual({ valid: false, reason: 'malformed signature header' });
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('callback URLs', () => {
  const open = { allowPrivateNetworks: true };
  const strict = { allowPrivateNetworks: false };

  it('http(s) only, no credentials, no fragment, bounded length; query strings are fine', () => {
    expect(callbackUrlProblem('https://prod-12.westeurope.logic.azure.com:443/workflows/1/triggers/manual/paths/invoke?api-version=2016-06-01&sig=abc', strict)).toBeUndefined();
    expect(callbackUrlProblem('ftp://example.com/', open)).toBe('must be an http(s) URL');
    expect(callbackUrlProblem('javascript:alert(1)', open)).toBe('must be an http(s) URL');
    expect(callbackUrlProblem('/relative', open)).toBe('must be an absolute http(s) URL');
    expect(callbackUrlProblem('https://a:b@example.com/', open)).toBe('must not carry credentials');
    expect(callbackUrlProblem('https://example.com/#x', open)).toBe('must not have a fragment');
    expect(callbackUrlProblem(`https://example.com/${'a'.repeat(2048)}`, open)).toContain('at most 2048');
  });

  it('link-local, unspecified and reserved addresses always refused; loopback and private ranges only when allowed (the full table: address-policy.test.ts)', () => {
    const always: Array<[string, string]> = [
      ['169.254.169.254', 'must not point to a link-local address'],
      ['0.0.0.0', 'must not point to an unspecified address'],
      ['fe80::1', 'must not point to a link-local address'],
      ['::', 'must not point to an unspecified address'],
      ['::ffff:169.254.169.254', 'must not point to a link-local address (169.254.169.254)'],
      ['2001:db8::1', 'must not point to a reserved address'],
    ];
    for (const [address, problem] of always) expect([address, addressProblem(address, open)]).toEqual([address, problem]);
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '::1', 'fd00::1']) {
      expect([address, addressProblem(address, open)]).toEqual([address, undefined]);
      expect([address, addressProblem(address, strict)]).toEqual([address, 'must not point to this machine or a private network']);
    }
    expect(addressProblem('::ffff:10.0.0.1', open)).toBeUndefined();
    expect(addressProblem('::ffff:10.0.0.1', strict)).toBe('must not point to this machine or a private network (10.0.0.1)');
    for (const address of ['8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) expect([address, addressProblem(address, strict)]).toEqual([address, undefined]);
    expect(callbackUrlProblem('http://[::1]:8080/hook', strict)).toBe('must not point to this machine or a private network');
    expect(callbackUrlProblem('http://localhost:8080/hook', strict)).toBe('must not point to this machine or a private network');
    expect(callbackUrlProblem('http://LOCALHOST.:8080/hook', strict)).toBe('must not point to this machine or a private network');
    expect(callbackUrlProblem('http://127.0.0.1:8080/hook', open)).toBeUndefined();
  });

  it('the delivery connection checks the address a host name resolves to (no check-then-connect gap)', async () => {
    const resolve = (policy: { allowPrivateNetworks: boolean }) =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) => guardedLookup(policy)('localhost', {}, (error, address) => done({ error, address })));
    const refused = await resolve(strict);
    expect(refused.error).toMatchObject({ code: 'ECALLBACKREFUSED', message: 'callback host localhost must not point to this machine or a private network' });
    const allowed = await resolve(open);
    expect(allowed.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(allowed.address);
  });

  it('a delivery id is a UUID derived from subscription and event', () => {
    expect(deliveryId('s1', 'e1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryId('s1', 'e1')).toBe(deliveryId('s1', 'e1'));
    expect(deliveryId('s1', 'e1')).not.toBe(deliveryId('s2', 'e1'));
  });
});
