/**
 * The JSON the local preview page's router answers and its browser entry reads. Types only: shared by
 * `previewPage.ts` (Node) and `preview-client.tsx` (browser bundle).
 */
import type { Stub } from '../../core/EnsureService';

export type PreviewStub = Stub;

/** `GET /preview/stubs/api/stubs`: one page of `listStubs`, oldest first. */
export interface PreviewStubPage {
  value: PreviewStub[];
  nextSkipToken?: string;
}

/**
 * `GET /preview/stubs/api/summary`: the header numbers over the instance's whole `ec_stub` table,
 * from the service's stub summary (which reads every row). `complete` is always true now; the page
 * still counts the rows on screen when it is not.
 */
export interface PreviewSummary {
  complete: boolean;
  pendingCount: number;
  oldestPendingCreatedOn?: string;
  hydratedLast24h: number;
}

/** `PATCH /preview/stubs/api/stubs/:id`: the control's own update of the row, handed to `requestHydration`. */
export interface PreviewHydrationRequestBody {
  ec_hydrationrequestedon: string;
}

/** Error bodies are the API's: `{ error: { code, message, field? } }`. */
export interface PreviewErrorBody {
  error?: { code?: string; message?: string };
}

/** Paths, written once. */
export const PREVIEW_PATH = '/preview/stubs';
export const PREVIEW_SCRIPT_PATH = `${PREVIEW_PATH}/app.js`;
export const PREVIEW_API_PATH = `${PREVIEW_PATH}/api`;
/** Page size the page asks for (the router accepts 1–PREVIEW_MAX_TOP). */
export const PREVIEW_PAGE_SIZE = 25;
export const PREVIEW_MAX_TOP = 250;
