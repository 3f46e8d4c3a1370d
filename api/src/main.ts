/**
 * `npm start`: loads the configuration (file + environment, or the embedded default), starts the local
 * Dataverse instances it declares, connects a Web API client to every instance, wires the core, and
 * serves the API on HOST:PORT (default 127.0.0.1:3000). When no API key is configured, one is generated
 * into the data folder and printed once. SIGINT / SIGTERM stop the API, the core and the local
 * instances, in that order.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { describeConfig, generateDataFolderApiKey, loadConfig, ConfigError, type AppConfig } from './config';
import { createEnsureCore, type CoreInstance, type EnsureCore } from './core/createEnsureCore';
import { WebApiClient } from './dataverse';
import { createResilientHooks, type RecommendedParallelism } from './resilience';
import { createApp, createLogger } from './http';
import { PREVIEW_PATH, previewEnabled } from './http/preview/previewPage';
import { startLocalDataverse, type LocalDataverse } from './local-dataverse';
import { StubEventBus, withStubEvents } from './events';
import { createMetrics, instrumentService } from './metrics';
import { startReconciler, type Reconciler } from './reconciler';
import { startWebhooks, subscriptionsRouter, type Webhooks } from './webhooks';
import { OperationQueue } from './operations/OperationQueue';
import { operationsRouter } from './http/routes/operations';
import { createQueue, type QueueBoss } from './queue/createQueue';

export interface RunningService {
  /** `http://<host>:<port>` of the API. */
  url: string;
  config: AppConfig;
  /** The key generated into the data folder by this start, if one was (printed once, kept nowhere). */
  generatedApiKey?: string;
  /** Web API URL of every instance, by name. */
  instanceUrls: Record<string, string>;
  localInstances: Record<string, LocalDataverse>;
  /** The local preview page (PendingStubs control with live stubs), when served (see previewEnabled). */
  previewUrl?: string;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  logger?: Logger;
  /** Seconds operations in flight get to finish on shutdown before they are handed back (default 30). */
  shutdownTimeoutSeconds?: number;
}

/** Everything `npm start` runs, without printing or signal handling (the demo runs it in-process). */
export async function startService(config: AppConfig, options: StartServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  let generatedApiKey: string | undefined;
  if (config.apiKeys.length === 0) {
    const generated = generateDataFolderApiKey(config.dataDir);
    config = { ...config, apiKeys: [generated.entry], apiKeySource: 'data folder' };
    generatedApiKey = generated.key;
  }

  const localInstances: Record<string, LocalDataverse> = {};
  const clients: WebApiClient[] = [];
  let core: EnsureCore | undefined;
  let server: Server | undefined;
  let boss: QueueBoss | undefined;
  let operations: OperationQueue | undefined;
  let reconciler: Reconciler | undefined;
  let webhooks: Webhooks | undefined;
  const stopAll = async () => {
    // Intake first: no new connections; requests in flight finish (their operations are recorded).
    if (server) {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server!.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
    }
    // Then the workers: operations in flight finish or are handed back, never lost nor done twice.
    if (reconciler) await reconciler.stop();
    if (operations) await operations.stop((options.shutdownTimeoutSeconds ?? 30) * 1000);
    if (webhooks) await webhooks.stop();
    if (boss) await boss.stop({ graceful: true, timeout: 5_000 });
    // The core closes the clients it was given; without a core they are closed here.
    if (core) await core.close();
    else await Promise.all(clients.map((client) => client.close()));
    await Promise.all(Object.values(localInstances).map((instance) => instance.close()));
  };

  try {
    const instanceUrls: Record<string, string> = {};
    for (const instance of config.instances) {
      if (instance.local) {
        const local = await startLocalDataverse({
          port: instance.local.port,
          ...(instance.local.memory ? { memory: true } : { dataDir: instance.local.dataDir }),
          onUnexpectedError: (error) => logger.error({ err: error, instance: instance.name }, 'local Dataverse: unexpected error'),
        });
        localInstances[instance.name] = local;
        instanceUrls[instance.name] = local.url;
      } else {
        instanceUrls[instance.name] = instance.url!;
      }
    }
    const metrics = createMetrics();
    const parallelismOf = new Map<string, RecommendedParallelism>();
    const coreInstances: CoreInstance[] = config.instances.map((instance) => {
      // Every call to the instance goes through its retry / circuit-breaker / timeout policy.
      const resilience = createResilientHooks(instance.name, instance.resilience ?? {}, logger.child({ component: 'resilience', instance: instance.name }));
      metrics.observeResilience(instance.name, resilience.on, resilience.breaker);
      parallelismOf.set(instance.name, resilience.parallelism);
      metrics.observeParallelism(instance.name, resilience.parallelism);
      const client = new WebApiClient({
        url: instanceUrls[instance.name]!,
        ...(instance.auth ? { auth: instance.auth } : {}),
        hooks: metrics.instrumentDataverseHooks(instance.name, resilience.hooks),
      });
      clients.push(client);
      return {
        name: instance.name,
        url: instanceUrls[instance.name]!,
        client,
        breaker: resilience.breaker,
        ...(instance.source !== undefined ? { source: instance.source } : {}),
        tables: instance.tables,
        stubDefaults: instance.stubDefaults,
      };
    });
    core = createEnsureCore({
      instances: coreInstances,
      ...(config.existenceCache ? { existenceCache: config.existenceCache } : {}),
      ...(config.submitStrategy ? { submitStrategy: config.submitStrategy } : {}),
    });
    // The durable queue: PGlite in the data folder (this process alone), or PostgreSQL shared by replicas.
    const queueLogger = logger.child({ component: 'queue' });
    boss = await createQueue({
      ...(config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }),
      onError: (error) => queueLogger.error({ err: error }, 'queue: pg-boss error'),
    });
    // Stub metrics and stub events (webhooks) for every action, run now, later from the queue, or by
    // the reconciler; close() stays the core's.
    const events = new StubEventBus((error, event) => logger.warn({ err: error, event: event.type }, 'stub event listener failed'));
    events.subscribe((event) => {
      // Hydrated by replication (seen by the reconciler): no hydrate call measured it.
      if (event.type === 'stub.hydrated' && event.cause === 'external') metrics.recordHydration(event.instance, event.table, event.secondsToHydrate);
    });
    const service = withStubEvents(instrumentService(core, metrics), events);
    webhooks = await startWebhooks({
      boss,
      instances: config.instances.map(({ name, tables }) => ({ name, tables })),
      events,
      logger: logger.child({ component: 'webhooks' }),
    });
    // The queue and the reconciler both keep within each instance's recommended parallelism.
    const instancesWithHints = coreInstances.map((instance) => ({ ...instance, parallelism: parallelismOf.get(instance.name)! }));
    operations = await OperationQueue.start({
      boss,
      service,
      instances: instancesWithHints,
      settings: config.queue,
      logger: queueLogger,
      exclusive: config.databaseUrl === undefined,
      observer: {
        accepted: (instance, action) => metrics.recordOperationAccepted(instance, action),
        finished: (instance, action, outcome) => metrics.recordOperationFinished(instance, action, outcome),
      },
    });
    const queue = operations;
    reconciler = startReconciler({
      instances: instancesWithHints,
      service,
      db: boss.getDb(),
      settings: config.reconciler,
      logger: logger.child({ component: 'reconciler' }),
      onEvent: (event) => events.emit(event),
    });
    metrics.setQueueCollector(async () => {
      const counts = await queue.counts();
      return { byState: counts.byState, oldestPendingAgeSeconds: counts.oldestPendingAgeSeconds, deadLetters: counts.byState.failed };
    });
    const actions = { run: queue.accept.bind(queue), ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}) } as const;
    const preview = previewEnabled(config.host) ? { instances: coreInstances } : undefined;
    const app = createApp({
      service,
      config,
      logger,
      actions,
      metrics,
      routers: [operationsRouter(queue, config.publicUrl), subscriptionsRouter(webhooks, config.publicUrl)],
      ...(preview ? { preview } : {}),
    });
    const listening = app.listen(config.port, config.host);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', reject);
    });
    const address = listening.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    logger.info({ config: describeConfig(config), url }, 'dataverse-ensure started');
    let closing: Promise<void> | undefined;
    return {
      url,
      config,
      ...(generatedApiKey !== undefined ? { generatedApiKey } : {}),
      instanceUrls,
      localInstances,
      ...(preview ? { previewUrl: `${url}${PREVIEW_PATH}` } : {}),
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

function printBanner(service: RunningService): void {
  const lines = [
    '',
    `Dataverse Ensure API: ${service.url}/v1  (configuration: ${service.config.source})`,
    `API docs (Swagger UI): ${service.url}/docs   definition: ${service.url}/swagger.json`,
    `Health: ${service.url}/health   readiness: ${service.url}/ready`,
    ...(service.previewUrl ? [`Local preview (PendingStubs control, live stubs): ${service.previewUrl}`] : []),
    ...service.config.instances.map((instance) => {
      const role = instance.source ? `target, source ${instance.source}` : service.config.instances.some((other) => other.source === instance.name) ? 'source' : 'standalone';
      const where = instance.local ? `local Dataverse ${service.instanceUrls[instance.name]}/api/data/v9.2/` : service.instanceUrls[instance.name];
      return `Instance ${instance.name} (${role}): ${where}  tables: ${instance.tables.join(', ')}`;
    }),
    `Data folder: ${service.config.dataDir}`,
  ];
  const target = service.config.instances.find((instance) => instance.source !== undefined) ?? service.config.instances[0]!;
  const table = target.tables.includes('account') ? 'account' : target.tables[0]!;
  const keyColumn = table === 'account' ? 'accountnumber' : `${table}id`;
  if (service.generatedApiKey !== undefined) {
    lines.push(
      '',
      `API key (generated now, shown only this once; its hash is in ${service.config.dataDir}/api-keys.json):`,
      `  ${service.generatedApiKey}`,
    );
  } else {
    lines.push('', `API keys: ${service.config.apiKeys.map((key) => key.name).join(', ')} (from ${service.config.apiKeySource})`);
  }
  const key = service.generatedApiKey ?? '<your API key>';
  lines.push(
    '',
    'Try:',
    `  curl -s -X POST ${service.url}/v1/instances/${target.name}/ensure \\`,
    `    -H 'X-API-Key: ${key}' -H 'Content-Type: application/json' \\`,
    `    -d '{"table":"${table}","key":{"${keyColumn}":"A-100"},"name":"Contoso"}'`,
    '',
    'Stop with Ctrl+C.',
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const service = await startService(config);
  printBanner(service);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while stopping (an impatient Ctrl+C) ends at once: what is in flight is handed
    // back by the queue's lease, never lost.
    if (stopping) {
      process.stdout.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping…\n`);
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`dataverse-ensure: could not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `dataverse-ensure: ${(error as Error).message}`);
    process.exit(1);
  });
}
