/**
 * Reads a `$batch` request body (ref 5.1, 5.2): multipart/mixed parts separated by CRLF boundary lines,
 * each an `application/http` request, or a nested multipart/mixed change set of such requests.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';

export interface BatchRequestPart {
  kind: 'request';
  contentId?: string;
  method: string;
  /** As written on the request line: absolute, `/api/data/v9.2/…`, relative, or `$n…`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface BatchChangeSet {
  kind: 'changeset';
  requests: BatchRequestPart[];
}

export type BatchItem = BatchRequestPart | BatchChangeSet;

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/mixed\b/i.test(contentType.trim())) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

export function readBatch(contentType: string | undefined, body: string): BatchItem[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw DataverseErrors.batchMalformed("The batch request must have Content-Type 'multipart/mixed' with a boundary.");
  return splitParts(body, boundary).map((part) => {
    const { headers, content } = splitHeaders(part);
    const partType = headers['content-type'] ?? '';
    const changeSetBoundary = boundaryOf(partType);
    if (changeSetBoundary) {
      const requests = splitParts(content, changeSetBoundary).map((inner) => {
        const innerPart = splitHeaders(inner);
        if (boundaryOf(innerPart.headers['content-type'])) throw DataverseErrors.batchMalformed('A change set cannot contain another change set.');
        return readRequest(innerPart.headers, innerPart.content);
      });
      return { kind: 'changeset', requests } satisfies BatchChangeSet;
    }
    return readRequest(headers, content);
  });
}

/** The parts between `--boundary` delimiter lines; the CRLF before a delimiter belongs to it. */
function splitParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  // ref 5.1: lines must end in CRLF. A delimiter preceded by a bare LF means the client sent LF lines.
  for (let at = body.indexOf(`\n${delimiter}`); at >= 0; at = body.indexOf(`\n${delimiter}`, at + 1)) {
    if (at === 0 || body[at - 1] !== '\r') throw DataverseErrors.batchStreamNotReadable();
  }
  const start = body.startsWith(delimiter) ? 0 : body.indexOf(`\r\n${delimiter}`);
  if (start < 0) throw DataverseErrors.batchMalformed(`The boundary '${boundary}' was not found in the batch body.`);
  const parts: string[] = [];
  let cursor = body.startsWith(delimiter) ? delimiter.length : start + 2 + delimiter.length;
  for (;;) {
    if (body.startsWith('--', cursor)) return parts; // close delimiter
    if (!body.startsWith('\r\n', cursor)) {
      // Transport padding is allowed before the CRLF.
      const eol = body.indexOf('\r\n', cursor);
      if (eol < 0 || body.slice(cursor, eol).trim() !== '') throw DataverseErrors.batchMalformed('A boundary line is followed by unexpected text.');
      cursor = eol;
    }
    cursor += 2;
    const next = body.indexOf(`\r\n${delimiter}`, cursor);
    if (next < 0) throw DataverseErrors.batchMalformed(`The batch body ends without the closing boundary '--${boundary}--'.`);
    parts.push(body.slice(cursor, next));
    cursor = next + 2 + delimiter.length;
  }
}

function splitHeaders(part: string): { headers: Record<string, string>; content: string } {
  const end = part.indexOf('\r\n\r\n');
  const headerText = end < 0 ? part : part.slice(0, end);
  const content = end < 0 ? '' : part.slice(end + 4);
  return { headers: parseHeaderLines(headerText), content };
}

function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of text.split('\r\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw DataverseErrors.batchMalformed(`The header line '${line.slice(0, 100)}' is not valid.`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function readRequest(partHeaders: Record<string, string>, content: string): BatchRequestPart {
  const type = partHeaders['content-type'];
  if (!type || !/^application\/http\b/i.test(type)) {
    throw DataverseErrors.batchMalformed(`Each batch part must have Content-Type 'application/http'; found '${type ?? ''}'.`);
  }
  const lineEnd = content.indexOf('\r\n');
  const requestLine = (lineEnd < 0 ? content : content.slice(0, lineEnd)).trim();
  const match = /^([A-Z]+) (\S+)(?: HTTP\/1\.[01])?$/.exec(requestLine);
  if (!match) throw DataverseErrors.batchMalformed(`The request line '${requestLine.slice(0, 200)}' is not valid.`);
  const rest = lineEnd < 0 ? '' : content.slice(lineEnd + 2);
  const { headers, content: body } = rest.startsWith('\r\n') ? { headers: {}, content: rest.slice(2) } : splitHeaders(rest);
  return {
    kind: 'request',
    contentId: partHeaders['content-id'] ?? headers['content-id'],
    method: match[1]!,
    url: match[2]!,
    headers,
    body: body.trim() === '' ? undefined : body,
  };
}
