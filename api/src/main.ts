/**
 * `npm start`: the main job on the embedded default — two local Dataverse instances, `a` (the source)
 * and `b` (the target), persisted under the data folder (DATA_DIR, default .data).
 */
import { join, resolve } from 'node:path';
import { startLocalDataverse, type LocalDataverse } from './local-dataverse';

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const ports = { a: Number(process.env.LOCAL_DATAVERSE_A_PORT ?? 5551), b: Number(process.env.LOCAL_DATAVERSE_B_PORT ?? 5552) };
  const instances: Record<string, LocalDataverse> = {};
  for (const name of ['a', 'b'] as const) {
    instances[name] = await startLocalDataverse({
      port: ports[name],
      dataDir: join(dataDir, 'local-dataverse', name),
      onUnexpectedError: (error) => console.error(`local Dataverse ${name}: unexpected error`, error),
    });
  }
  console.log(`Local Dataverse a (source): ${instances.a!.webApiUrl}`);
  console.log(`Local Dataverse b (target): ${instances.b!.webApiUrl}`);
  console.log(`Data folder: ${dataDir}. Both accept any or no bearer token: local use only, bound to 127.0.0.1.`);
  console.log(`Try: curl -s '${instances.b!.webApiUrl}EntityDefinitions?$select=LogicalName,EntitySetName'`);
  const stop = () => {
    Promise.all(Object.values(instances).map((i) => i.close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`dataverse-ensure: ${(error as Error).message}`);
  process.exit(1);
});
