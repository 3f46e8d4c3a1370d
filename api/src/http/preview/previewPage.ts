/**
 * The local preview page, `GET /preview/stubs`: the PendingStubs PCF control's own React components
 * (imported from `pcf-control/pending-stubs/PendingStubs/PendingStubsViewModule.ts`, bundled by
 * `previewBundle.ts`) showing the live `ec_stub` rows of a configured instance, so the model-driven
 * experience can be seen without a tenant.
 *
 * - Which instance: `?instance=<name>`, validated against the configured names; by default the first
 *   instance with a `source` (a replication target: `b` in the embedded default), else the first one.
 * - Served only when enabled (`previewEnabled`: the API binds to loopback, or `PREVIEW=true`).
 * - The page and its script hold no data. Its JSON endpoints (`/preview/stubs/api/…`) answer requests
 *   from loopback addressed to a loopback host name without a key (so a newcomer's `npm start` just
 *   works; the host check stops DNS rebinding), and any other request only with a valid `X-API-Key`,
 *   as `/v1`. Writes also need `Content-Type: application/json` and, when the browser sends an
 *   `Origin`, this server's own origin.
 * - Content-Security-Policy of the page: scripts from 'self' only, no inline script; styles also
 *   'unsafe-inline', because Fluent UI injects its CSS at run time (merge-styles).
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { matchApiKey } from '../../config/ApiKeys';
import type { ApiKeyEntry } from '../../config/ConfigSchema';
import type { StubQueries } from '../../core/EnsureService';
import { API_KEY_HEADER } from '../apiKeyAuthentication';
import { ApiErrors } from '../../core/ApiErrors';
import { jsonBody } from '../jsonBody';
import { cachedPreviewBundle, type PreviewBundle } from './previewBundle';
import { PREVIEW_API_PATH, PREVIEW_MAX_TOP, PREVIEW_PATH, PREVIEW_SCRIPT_PATH, type PreviewStubPage, type PreviewSummary } from './previewTypes';

export { PREVIEW_PATH } from './previewTypes';

/** A configured instance as the preview sees it. */
export interface PreviewInstance {
  name: string;
  source?: string;
}

export interface PreviewOptions {
  instances: readonly PreviewInstance[];
  /** Builds the browser bundle (tests may pass a stub); default esbuild, once, on first request. */
  bundle?: () => Promise<PreviewBundle>;
}

/** "Hydrated in the last 24 h" of the header. */
const DAY_SECONDS = 24 * 60 * 60;

const PAGE_CSP = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
  },
});

/**
 * Whether `npm start` serves the preview: `PREVIEW=true` forces it on, `PREVIEW=false` off; otherwise
 * only when the API binds to a loopback address.
 */
export function previewEnabled(host: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env['PREVIEW']?.trim().toLowerCase();
  if (flag === 'true' || flag === '1') return true;
  if (flag === 'false' || flag === '0') return false;
  return isLoopbackHostName(host);
}

export function isLoopbackHostName(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || /^::ffff:127(\.\d{1,3}){3}$/.test(name);
}

/** The instance the page shows when `?instance=` is absent. */
export function defaultPreviewInstance(instances: readonly PreviewInstance[]): string {
  const target = instances.find((instance) => instance.source !== undefined) ?? instances[0];
  if (!target) throw new Error('the preview needs at least one configured instance');
  return target.name;
}

function hostNameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const bracketed = /^\[([^\]]*)\]/.exec(hostHeader);
  return bracketed ? bracketed[1]! : hostHeader.replace(/:\d*$/, '');
}

/** Loopback request to a loopback host name: the local newcomer's browser. */
export function isLocalRequest(request: Request): boolean {
  const remote = request.socket.remoteAddress ?? '';
  return isLoopbackHostName(remote) && isLoopbackHostName(hostNameOf(request.get('host')));
}

function previewAccess(apiKeys: readonly ApiKeyEntry[]): RequestHandler {
  return (request: Request, _response: Response, next: NextFunction) => {
    const origin = request.get('origin');
    if (request.method !== 'GET' && request.method !== 'HEAD' && origin !== undefined && origin !== `${request.protocol}://${request.get('host') ?? ''}`) {
      next(ApiErrors.previewWritesFromItsPageOnly());
      return;
    }
    if (isLocalRequest(request)) {
      next();
      return;
    }
    const presented = request.get(API_KEY_HEADER);
    if (presented && presented.length <= 512 && matchApiKey(presented, apiKeys)) {
      next();
      return;
    }
    next(ApiErrors.previewNeedsApiKey(API_KEY_HEADER));
  };
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const StubsQuerySchema = z.strictObject({
  instance: z.string().optional(),
  top: z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .refine((top) => top >= 1 && top <= PREVIEW_MAX_TOP)
    .optional(),
  skipToken: z.string().min(1).max(2048).optional(),
});

const HydrationRequestSchema = z.strictObject({ ec_hydrationrequestedon: z.iso.datetime({ offset: true }) });

function parse<T>(schema: z.ZodType<T>, value: unknown, part: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [part, ...(issue?.path ?? []).map(String)].join('.');
  throw ApiErrors.invalidRequest(field, issue?.message ?? 'is not valid');
}

export function previewRouter(service: StubQueries, apiKeys: readonly ApiKeyEntry[], options: PreviewOptions): Router {
  const names = options.instances.map((instance) => instance.name);
  const fallback = defaultPreviewInstance(options.instances);
  const bundle = options.bundle ?? cachedPreviewBundle();
  const instanceOf = (requested: unknown): PreviewInstance => {
    const name = requested === undefined || requested === '' ? fallback : requested;
    const found = options.instances.find((instance) => instance.name === name);
    if (!found) throw ApiErrors.invalidRequest('query.instance', `must be one of the configured instances: ${names.join(', ')}`);
    return found;
  };

  const router = Router();
  router.get(PREVIEW_PATH, PAGE_CSP, (request, response) => {
    const instance = instanceOf(request.query['instance']);
    void bundle().catch(() => undefined); // start bundling while the browser reads the page
    response.set('Cache-Control', 'no-store').type('html').send(pageHtml(instance.name, names));
  });
  router.get(PREVIEW_SCRIPT_PATH, async (request, response) => {
    const built = await bundle();
    response.set({ 'Cache-Control': 'no-cache', ETag: built.etag });
    if (request.get('if-none-match') === built.etag) {
      response.status(304).end();
      return;
    }
    response.type('application/javascript; charset=utf-8').send(built.code);
  });

  router.use(PREVIEW_API_PATH, previewAccess(apiKeys), ...jsonBody('16kb'));
  router.get(`${PREVIEW_API_PATH}/stubs`, async (request, response) => {
    const query = parse(StubsQuerySchema, request.query, 'query');
    const instance = instanceOf(query.instance);
    const page = await service.listStubs(instance.name, { top: query.top ?? 25, ...(query.skipToken ? { skipToken: query.skipToken } : {}) });
    response.set('Cache-Control', 'no-store').json(page satisfies PreviewStubPage);
  });
  router.get(`${PREVIEW_API_PATH}/summary`, async (request, response) => {
    const query = parse(StubsQuerySchema.pick({ instance: true }), request.query, 'query');
    const instance = instanceOf(query.instance);
    response.set('Cache-Control', 'no-store').json(await previewSummary(service, instance.name));
  });
  router.patch(`${PREVIEW_API_PATH}/stubs/:id`, async (request, response) => {
    const query = parse(StubsQuerySchema.pick({ instance: true }), request.query, 'query');
    const instance = instanceOf(query.instance);
    const id = String(request.params['id']);
    if (!GUID.test(id)) throw ApiErrors.invalidRequest('params.id', 'must be the GUID of an ec_stub row');
    if (!request.is('application/json')) throw ApiErrors.bodyNotJson();
    const body = parse(HydrationRequestSchema, request.body, 'body');
    // The body is the control's own update of the row (PreviewHydrationRequestBody); the service writes it.
    await service.requestHydration(instance.name, id, new Date(body.ec_hydrationrequestedon));
    response.status(204).end();
  });
  return router;
}

/** The header numbers, from the service's stub summary (the whole table, counted in one place). */
export async function previewSummary(service: Pick<StubQueries, 'stubSummary'>, instance: string): Promise<PreviewSummary> {
  const summary = await service.stubSummary(instance, { hydratedWithinSeconds: DAY_SECONDS });
  return {
    complete: true,
    pendingCount: summary.counts.pending,
    ...(summary.oldestPending ? { oldestPendingCreatedOn: summary.oldestPending.createdOn } : {}),
    hydratedLast24h: summary.hydratedRecently?.count ?? 0,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function pageHtml(instance: string, instances: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pending stubs (${escapeHtml(instance)}) – Dataverse Ensure local preview</title>
<style>
body { margin: 0; font-family: 'Segoe UI', system-ui, sans-serif; font-size: 14px; color: #323130; background: #faf9f8; }
.preview { padding: 16px 24px; }
.preview-header h1 { font-size: 20px; font-weight: 600; margin: 0 0 4px; }
.preview-header p, .preview-header nav, .preview-header form { margin: 4px 0 8px; }
.preview-notice { margin: 8px 0; padding: 8px 12px; background: #f3f2f1; border-left: 4px solid #0078d4; }
</style>
</head>
<body>
<div id="preview-root" data-instance="${escapeHtml(instance)}" data-instances="${escapeHtml(instances.join(','))}" data-api="${escapeHtml(PREVIEW_API_PATH)}"></div>
<noscript>The preview page needs JavaScript.</noscript>
<script src="${escapeHtml(PREVIEW_SCRIPT_PATH)}"></script>
</body>
</html>
`;
}
