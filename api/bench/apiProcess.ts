/**
 * The API as `npm start` runs it (`api/src/main.ts`), in its own process, configured by a file in a
 * temporary folder plus environment variables — the way an operator configures it — so a bench can
 * compare settings (COALESCING_ENABLED, DVE_INSTANCE_<NAME>_LOCAL_USERS) without reaching inside.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startChild } from './childProcesses';

export interface ApiProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` (no `/v1`). */
  url: string;
}

let files = 0;

/**
 * Starts the API with `config` (written to `dir`) and `env` on top; its queue lives in `dir/data`, so
 * later starts reuse the database the first one created (one process at a time per data folder).
 */
export async function startApi(dir: string, config: Record<string, unknown>, env: Record<string, string>): Promise<ApiProcess> {
  const file = join(dir, `config-${++files}.json`);
  writeFileSync(file, JSON.stringify({ port: 0, logLevel: 'silent', ...config }));
  return startChild(join(__dirname, '..', 'src', 'main.ts'), [], { CONFIG_FILE: file, DATA_DIR: join(dir, 'data'), ...env }, /Dataverse Ensure API: (http:\/\/127\.0\.0\.1:\d+)\/v1/);
}

/** A port free now, for a local instance the API starts itself (whose URL the bench must know). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
