/**
 * `npm run build`: the service as plain JavaScript in `dist/`, to run with production dependencies
 * only (`npm ci --omit=dev`, then `node dist/main.js`; `node dist/keys.js` for the keys command).
 *
 * - api/src compiled by tsc (tsconfig.build.json), one CommonJS file per module;
 * - the files modules read next to themselves: the PGlite scripts (`queue/pgliteWorker.mjs`,
 *   `database/createPgliteCluster.mjs`) and the local Dataverse's default schema
 *   (`local-dataverse/schema/default-schema.json`);
 * - what the sources build at run time with development tools, built now: the Swagger document
 *   (`http/openapi.json`, swagger-jsdoc) and the preview page's bundle (`http/preview/preview-client.js`,
 *   React and the PendingStubs control from the workspaces).
 * Swagger UI's own files come from the swagger-ui-express dependency at run time.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { documentFromAnnotations } from '../src/http/openApiDocument';
import { bundlePreviewClient } from '../src/http/preview/previewBundle';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'api', 'src');
const DIST = join(ROOT, 'dist');

/** Files copied as they are, relative to api/src. */
export const COPIED_FILES = ['database/pgliteWorker.mjs', 'database/createPgliteCluster.mjs', 'local-dataverse/schema/default-schema.json'];

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`  ${relative(ROOT, path)}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  console.log('tsc -p tsconfig.build.json');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(join(DIST, 'main.js'))) throw new Error('tsc wrote no dist/main.js');
  for (const file of COPIED_FILES) {
    mkdirSync(dirname(join(DIST, file)), { recursive: true });
    copyFileSync(join(SRC, file), join(DIST, file));
    console.log(`  dist/${file}`);
  }
  write(join(DIST, 'http', 'openapi.json'), `${JSON.stringify(documentFromAnnotations(), null, 2)}\n`);
  write(join(DIST, 'http', 'preview', 'preview-client.js'), await bundlePreviewClient());
  console.log(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s: node dist/main.js`);
}

main().catch((error: unknown) => {
  console.error(`build: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
