/** Writes the `$batch` response body that clients parse (ref 5.3): CRLF lines, nested change sets. */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { WebApiResponse } from '../handlers/WebApiMessage';

export type BatchResponseItem =
  | { kind: 'response'; response: WebApiResponse; contentId?: string }
  | { kind: 'changeset'; responses: Array<{ response: WebApiResponse; contentId?: string }> };

export function writeBatchResponse(items: BatchResponseItem[]): { contentType: string; body: string } {
  const boundary = `batchresponse_${randomUUID()}`;
  let body = '';
  for (const item of items) {
    body += `--${boundary}\r\n`;
    if (item.kind === 'response') {
      body += httpPart(item.response, item.contentId);
      continue;
    }
    const changeSet = `changesetresponse_${randomUUID()}`;
    body += `Content-Type: multipart/mixed; boundary=${changeSet}\r\n\r\n`;
    for (const inner of item.responses) body += `--${changeSet}\r\n${httpPart(inner.response, inner.contentId)}`;
    body += `--${changeSet}--\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

function httpPart(response: WebApiResponse, contentId: string | undefined): string {
  let text = 'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n';
  if (contentId !== undefined) text += `Content-ID: ${contentId}\r\n`;
  text += `\r\nHTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}\r\n`;
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...response.headers };
  // ref 5.3: inside a batch, creates carry Location beside OData-EntityId.
  if (headers['OData-EntityId'] && !headers.Location) headers.Location = headers['OData-EntityId'];
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  text += '\r\n';
  if (response.body !== undefined) text += typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  return `${text}\r\n`;
}
