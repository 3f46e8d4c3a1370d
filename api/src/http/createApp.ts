/**
 * The Express application: helmet, request ids, pino-http logs, open health/readiness probes and API
 * docs, then every `/v1` route behind the API key, JSON bodies limited and checked, and one error
 * handler. Give it any `EnsureService` (actions, stub queries, catalogue): the core with its decorated
 * actions in production, a small in-test service in the HTTP tests. With `metrics`, every request is counted and timed first, and `GET /metrics` is served.
 */
import express, { type Express, type Request, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { ApiKeyEntry } from '../config/ConfigSchema';
import type { EnsureService } from '../core/EnsureService';
import type { ServiceMetrics } from '../metrics/ServiceMetrics';
import { apiKeyAuthentication } from './apiKeyAuthentication';
import { errorHandler, notFoundHandler } from './errorHandler';
import { runnerWithPlacedErrors, serviceWithPlacedErrors } from './errorFields';
import { jsonBody } from './jsonBody';
import { openApiDocument } from './openApiDocument';
import { previewRouter, type PreviewOptions } from './preview/previewPage';
import { locals, requestIdMiddleware, WORKFLOW_NAME_HEADER, workflowRunId } from './requestContext';
import { directRunner, type ActionRunner } from './routes/actionResponse';
import { ensureRouter } from './routes/ensure';
import { healthRouter } from './routes/health';
import { hydrateRouter } from './routes/hydrate';
import { instancesRouter } from './routes/instances';
import { stubsRouter } from './routes/stubs';
import { submitRouter } from './routes/submit';
import { tablesRouter } from './routes/tables';

export const DEFAULT_BODY_LIMIT = '1mb';

/** A request log object with the name of the API key that made the request (absent: no valid key). */
function withApiKeyName(response: express.Response, value: object): object {
  const name = locals(response).apiKeyName;
  return name === undefined ? value : { ...value, apiKeyName: name };
}

/** What the HTTP layer needs from the configuration (an `AppConfig` fits). */
export interface HttpConfig {
  apiKeys: readonly ApiKeyEntry[];
  /** Largest JSON body: bytes or a size such as "1mb" (default 1 MB). */
  bodyLimit?: number | string;
  /** The public base URL (`PUBLIC_URL`) of the lists' `nextLink`; else see locationBase.ts. */
  publicUrl?: string;
}

export interface CreateAppOptions {
  service: EnsureService;
  config: HttpConfig;
  logger: Logger;
  /** The local preview page `/preview/stubs` (see preview/previewPage.ts); absent: not served. */
  preview?: PreviewOptions;
  /** More `/v1` routers (operations, subscriptions, …), mounted behind the API key after the actions. */
  routers?: readonly Router[];
  /**
   * Runs ensure / submit / hydrate: the durable queue (`OperationQueue`, answers 202 when the target is
   * unavailable) in production; by default the service itself, always synchronously.
   */
  actions?: ActionRunner;
  /**
   * Prometheus metrics (`createMetrics()`): HTTP metrics for every request and `GET /metrics`, open
   * like `/health`. Stub metrics come from stub events (`metrics.observeStubEvents(bus)`, main.ts).
   */
  metrics?: ServiceMetrics;
}

export function createApp({ service: given, config, logger, preview, routers = [], metrics, actions: givenRunner }: CreateAppOptions): Express {
  // The core names fields relative to its input; the request's own paths are placed here (errorFields.ts).
  const service = serviceWithPlacedErrors(given);
  const actions = runnerWithPlacedErrors(givenRunner ?? directRunner(service));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  // No ETag on answers: no client of an action API revalidates them, and hashing every body costs.
  app.set('etag', false);
  // First, so that every answer is counted and timed, including refusals by the middleware below.
  if (metrics) app.use(metrics.httpMiddleware);
  app.use(requestIdMiddleware);
  app.use(
    pinoHttp({
      logger,
      genReqId: (_request, response) => locals(response as express.Response).requestId,
      customProps: (request, response) => {
        const runId = workflowRunId(request as Request);
        const workflowName = (request as Request).get(WORKFLOW_NAME_HEADER);
        return {
          requestId: locals(response as express.Response).requestId,
          ...(runId ? { workflowRunId: runId } : {}),
          ...(workflowName ? { workflowName: workflowName.replace(/[^\x21-\x7e]/g, '').slice(0, 190) } : {}),
        };
      },
      // Which key made the request, on the line written when it ends (the key check runs after this
      // middleware, so customProps, read at the start too, cannot carry it). `apiKeyName`, not `apiKey`:
      // that name is redacted as a credential (logger.ts).
      customSuccessObject: (_request, response, value: object) => withApiKeyName(response as express.Response, value),
      customErrorObject: (_request, response, _error, value: object) => withApiKeyName(response as express.Response, value),
      serializers: {
        // Headers are 1–2 KB a request: only at debug (redacted there, see logger.ts).
        req: (request: { method: string; url: string }) => (logger.isLevelEnabled('debug') ? request : { method: request.method, url: request.url }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  // No upgrade-insecure-requests: it would send Swagger UI's own files to https on a plain-http
  // deployment (local, or behind a TLS-terminating proxy that forwards http).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));

  app.use(healthRouter(service));
  // Open, like /health: Prometheus scrapers carry no API key. It shows instance and table names and
  // traffic volumes, so it must not be exposed publicly: keep HOST on loopback or a private network,
  // or block /metrics at the reverse proxy in front of the API.
  if (metrics) app.use(metrics.metricsRouter());
  app.get('/swagger.json', (_request, response) => {
    response.json(openApiDocument());
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerUrl: '/swagger.json', customSiteTitle: 'Dataverse Ensure API' }));

  if (preview) app.use(previewRouter(service, config.apiKeys, preview));

  app.use('/v1', apiKeyAuthentication(config.apiKeys), ...jsonBody(config.bodyLimit ?? DEFAULT_BODY_LIMIT));
  app.use(instancesRouter(service));
  app.use(tablesRouter(service));
  app.use(ensureRouter(service, actions));
  app.use(submitRouter(service, actions));
  app.use(hydrateRouter(service, actions));
  app.use(stubsRouter(service, config.publicUrl));
  for (const router of routers) app.use(router);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
