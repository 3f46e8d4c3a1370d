/** Hand-written multipart `$batch` bodies for the suites, independent of the server's own code (ref 5). */
import { randomUUID } from 'node:crypto';
import type { LocalDataverseFixture } from './localDataverseFixture';

const CRLF = '\r\n';

export interface Op {
  method: string;
  url: string;
  body?: unknown;
  contentId?: string;
  headers?: Record<string, string>;
}

export function httpPart(op: Op, absoluteBase?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (op.contentId) lines.push(`Content-ID: ${op.contentId}`);
  const prefix = op.url.startsWith('$') ? '' : (absoluteBase ?? '/api/data/v9.2/');
  lines.push('', `${op.method} ${prefix}${op.url} HTTP/1.1`);
  for (const [k, v] of Object.entries(op.headers ?? {})) lines.push(`${k}: ${v}`);
  if (op.body !== undefined) lines.push('Content-Type: application/json; type=entry', '', JSON.stringify(op.body));
  else lines.push('');
  return lines.join(CRLF) + CRLF;
}

/** items: an Op, or an array of Ops forming a change set. */
export function batchBody(boundary: string, items: Array<Op | Op[]>): string {
  let body = '';
  for (const item of items) {
    body += `--${boundary}${CRLF}`;
    if (Array.isArray(item)) {
      const cs = `changeset_${randomUUID()}`;
      body += `Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}`;
      for (const op of item) body += `--${cs}${CRLF}${httpPart(op)}`;
      body += `--${cs}--${CRLF}`;
    } else {
      body += httpPart(item);
    }
  }
  return `${body}--${boundary}--${CRLF}`;
}

/** The `HTTP/1.1 <status>` lines of a batch response, in order. */
export const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

/** Sends `items` as a multipart `$batch` to the fixture's instance. */
export function sendBatch(dv: LocalDataverseFixture, items: Array<Op | Op[]>, headers: Record<string, string> = {}) {
  const boundary = `batch_${randomUUID()}`;
  return dv.request('POST', '$batch', batchBody(boundary, items), { 'Content-Type': `multipart/mixed; boundary=${boundary}`, ...headers });
}
