/**
 * Reads a `$batch` response body (ref 5.3, 5.4): parts separated by `--batchresponse_<id>`, change
 * set results nested in a `multipart/mixed; boundary=changesetresponse_<id>` part with each
 * member's `Content-ID` echoed, every part an embedded HTTP response (status line, headers, blank
 * line, body). Also used for a failed batch (status ≥ 400, body holds only the failing response).
 *
 * Tolerant where Dataverse is loose: quoted or bare boundary parameters, `Header:value` without a
 * space (the docs' own `Location:[Organization URI]…`), LF as well as CRLF, blank lines around parts.
 */

export interface BatchPartResponse {
  readonly status: number;
  readonly statusText: string;
  /** Embedded HTTP response headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
  /** The JSON body, when the body parses as JSON. */
  readonly body: unknown;
  /** `Content-ID` from the MIME part (or the embedded headers). */
  readonly contentId: string | undefined;
  /** Ordinal of the change set response among the batch's parts, when the part was nested in one. */
  readonly changeSetOrdinal: number | undefined;
}

export class BatchResponseFormatError extends Error {
  constructor(message: string) {
    super(`unreadable $batch response: ${message}`);
    this.name = 'BatchResponseFormatError';
  }
}

/** The `boundary` parameter of a multipart Content-Type, quoted or not; undefined when absent. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Splits a multipart body into the raw text of its parts (RFC 2046 §5.1.1, line based). */
function splitParts(text: string, boundary: string): string[][] {
  const delimiter = `--${boundary}`;
  const parts: string[][] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter) {
      if (current) parts.push(current);
      current = [];
      continue;
    }
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(current);
      current = undefined;
      closed = true;
      break;
    }
    current?.push(line);
  }
  if (!closed) throw new BatchResponseFormatError(`no closing delimiter --${boundary}--`);
  return parts;
}

/** Reads `Name: value` lines up to the first blank line; returns headers and the remaining lines. */
function readHeaderBlock(lines: readonly string[], start: number): { headers: Record<string, string>; next: number } {
  const headers: Record<string, string> = {};
  let i = start;
  for (; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.trim() === '') return { headers, next: i + 1 };
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BatchResponseFormatError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, next: i };
}

function skipBlankLines(lines: readonly string[], start: number): number {
  let i = start;
  while (i < lines.length && (lines[i] as string).trim() === '') i += 1;
  return i;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readHttpPart(lines: readonly string[], mimeHeaders: Record<string, string>, changeSetOrdinal: number | undefined): BatchPartResponse {
  const statusLineIndex = skipBlankLines(lines, 0);
  const statusLine = (lines[statusLineIndex] ?? '').trim();
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(statusLine);
  if (!status) throw new BatchResponseFormatError(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
  const { headers, next } = readHeaderBlock(lines, statusLineIndex + 1);
  const bodyText = lines.slice(next).join('\r\n').trim();
  return {
    status: Number(status[1]),
    statusText: status[2] ?? '',
    headers,
    bodyText,
    body: parseJson(bodyText),
    contentId: mimeHeaders['content-id'] ?? headers['content-id'],
    changeSetOrdinal,
  };
}

/**
 * Every embedded response in order, change set members flattened in place. Throws
 * BatchResponseFormatError when the body does not follow the format.
 */
export function readBatchResponse(contentType: string | undefined, bodyText: string): BatchPartResponse[] {
  const boundary = multipartBoundary(contentType);
  if (!boundary) throw new BatchResponseFormatError(`Content-Type ${JSON.stringify(contentType ?? '')} is not multipart/mixed with a boundary`);
  const responses: BatchPartResponse[] = [];
  let changeSetOrdinal = 0;
  for (const partLines of splitParts(bodyText, boundary)) {
    const start = skipBlankLines(partLines, 0);
    if (start >= partLines.length) continue; // an empty preamble-like part
    const { headers: mimeHeaders, next } = readHeaderBlock(partLines, start);
    const nestedBoundary = multipartBoundary(mimeHeaders['content-type']);
    if (nestedBoundary) {
      const ordinal = changeSetOrdinal;
      changeSetOrdinal += 1;
      for (const memberLines of splitParts(partLines.slice(next).join('\n'), nestedBoundary)) {
        const memberStart = skipBlankLines(memberLines, 0);
        if (memberStart >= memberLines.length) continue;
        const member = readHeaderBlock(memberLines, memberStart);
        responses.push(readHttpPart(memberLines.slice(member.next), member.headers, ordinal));
      }
      continue;
    }
    if (!/^application\/http\b/i.test(mimeHeaders['content-type'] ?? '')) {
      throw new BatchResponseFormatError(`part with Content-Type ${JSON.stringify(mimeHeaders['content-type'] ?? '')}`);
    }
    responses.push(readHttpPart(partLines.slice(next), mimeHeaders, undefined));
  }
  return responses;
}
