/**
 * The `nextLink` of a list answer: the absolute URL of its next page, which Power Automate's
 * *Pagination* setting fetches by itself (`x-ms-pageable` in the connector). It is the same list
 * with the same filters and page size, plus the next page's `skipToken`.
 *
 * Built only from what the route has already validated (the path's own parameters, the parsed
 * filters) on the base of every `Location` (locationBase.ts: `PUBLIC_URL`, else a loopback host):
 * never the request's raw URL or `Host`, and never a credential — the key travels in its header, so
 * whoever follows the link needs the key as for the first page.
 */
import type { Request } from 'express';
import { locationBaseUrl } from './locationBase';

/** A validated filter as sent back: absent ones are left out. */
export type LinkFilters = Readonly<Record<string, string | number | undefined>>;

/** `https://api.example.com/v1/…?filters&skipToken=…` for `path` (already validated, starting with `/v1/`). */
export function nextPageLink(request: Request, publicUrl: string | undefined, path: string, filters: LinkFilters, skipToken: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== undefined && name !== 'skipToken') query.set(name, String(value));
  query.set('skipToken', skipToken);
  return `${locationBaseUrl(request, publicUrl)}${path}?${query.toString()}`;
}
