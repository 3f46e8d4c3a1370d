/**
 * How deliveries are signed, and how a receiver verifies them (README.md, "Verifying a delivery").
 *
 *   X-Dve-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The secret is the subscription's (`whsec_…`, returned once when the subscription is created), used
 * as the HMAC key as UTF-8 text. The timestamp is inside the signed text, so a captured delivery cannot
 * be replayed later than the receiver's tolerance; the event id (`X-Dve-Event-Id`, `id` in the body)
 * lets a receiver drop a delivery it already processed (a retry after a lost answer).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Dve-Signature';
export const SECRET_PREFIX = 'whsec_';
/** Deliveries older than this are refused by `verifyWebhookSignature` by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new subscription secret: 32 random bytes, base64url, with a recognisable prefix. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The header value for `body` signed at `unixSeconds`. */
export function signWebhook(secret: string, body: string, unixSeconds: number = Math.floor(Date.now() / 1000)): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

export type SignatureCheck = { valid: true; timestamp: number } | { valid: false; reason: string };

/**
 * Checks a delivery: the raw body exactly as received (before any JSON parsing), the header value and
 * the subscription's secret. Any `v1` in the header may match (several appear while a secret is rotated).
 */
export function verifyWebhookSignature(
  header: string | undefined | null,
  rawBody: string | Buffer,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { valid: false, reason: `no ${SIGNATURE_HEADER} header` };
  const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  const signatures = parts.filter(([name, value]) => name === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)).map(([, value]) => value!);
  if (!Number.isInteger(timestamp) || signatures.length === 0) return { valid: false, reason: 'malformed signature header' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { valid: false, reason: 'timestamp outside the tolerance' };
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex'), 'utf8');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'signature does not match' };
}
