/**
 * `npm run local-dataverse -- --port <port> [--data <dir> | --memory] [--schema <file>] [--limits]`
 * Starts one local Dataverse bound to 127.0.0.1 and prints its base URL when ready. `--limits` turns
 * Dataverse's service protection limits on with their default values (see `/_admin/limits`).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startLocalDataverse } from './index';

const USAGE = 'usage: npm run local-dataverse -- --port <port> [--data <dir> | --memory] [--schema <file>] [--limits]';

async function main(): Promise<void> {
  let values: { port?: string; data?: string; memory?: boolean; schema?: string; limits?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        memory: { type: 'boolean' },
        schema: { type: 'string' },
        limits: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? '5555');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number (0-65535); got '${values.port}'.\n${USAGE}`);
  if (values.memory && values.data) fail(`--data and --memory exclude each other.\n${USAGE}`);
  const dataDir = values.memory ? undefined : resolve(values.data ?? '.data/local-dataverse');

  const instance = await startLocalDataverse({
    port,
    memory: values.memory,
    dataDir,
    schemaPath: values.schema ? resolve(values.schema) : undefined,
    limits: { enabled: values.limits ?? false },
    onUnexpectedError: (error) => console.error('local-dataverse: unexpected error', error),
  });
  console.log(
    `Local Dataverse ready at ${instance.webApiUrl} (${dataDir ? `data in ${dataDir}` : 'in memory'}). ` +
      'It accepts any or no bearer token: it is for local use only, bound to 127.0.0.1.',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Local Dataverse stopping (${signal})…`);
    instance.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(`local-dataverse: ${(error as Error).message}`);
  process.exit(1);
});
