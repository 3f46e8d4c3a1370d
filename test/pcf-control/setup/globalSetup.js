// Global setup of the pcf-control-build jest project: makes sure both controls have a current
// production build (out/controls/<Constructor>/) before the manifest and harness tests read it.
// Reuses the output when it is newer than every source; otherwise runs `npm run build:pcf`'s script,
// and fails the run when that build fails. Never skips.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function ensurePcfBuild() {
  const script = path.join(__dirname, '..', '..', '..', 'pcf-control', 'scripts', 'build-all.mjs');
  const result = spawnSync(process.execPath, [script, '--if-stale'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PP_TOOLS_TELEMETRY_OPTOUT: 'true' },
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  });
  const summary = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.startsWith('[build-all]'))
    .join('\n');
  process.stdout.write(`\n${summary}\n`);
  if (result.status !== 0) {
    throw new Error(`PCF production build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
};
