#!/usr/bin/env node
// Builds every PCF control with pcf-scripts in production mode and fails (exit 1) when any build
// does. pcf-scripts itself exits 0 even when manifest validation, ESLint, TypeScript or webpack fail
// (seen with pcf-scripts 1.51: an ESLint [pcf-1065] error still exits 0), so its log is judged: any "[Error]" / webpack "ERROR" line, or no
// "[build] Succeeded", is a failure. Then each output is checked: bundle.js present and under
// 50 KB (React and Fluent stay external), the built manifest present.
//
//   node pcf-control/scripts/build-all.mjs            build both controls
//   node pcf-control/scripts/build-all.mjs --if-stale  skip a control whose production output is
//                                                      newer than all of its sources
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pcfRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAX_BUNDLE_BYTES = 50 * 1024;
const controls = [
  { folder: 'pending-stubs', constructor: 'PendingStubs' },
  { folder: 'hydration-status', constructor: 'HydrationStatus' },
];
const BUILD_MARK = '.dataverse-ensure-build.json';

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;

function newestSourceTime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (['node_modules', 'out', 'generated'].includes(entry)) continue;
        visit(join(path, entry));
      }
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  paths.forEach(visit);
  return newest;
}

function outputOf(control) {
  const projectDir = join(pcfRoot, control.folder);
  const outDir = join(projectDir, 'out', 'controls', control.constructor);
  return {
    projectDir,
    outDir,
    bundle: join(outDir, 'bundle.js'),
    manifest: join(outDir, 'ControlManifest.xml'),
    mark: join(projectDir, 'out', BUILD_MARK),
  };
}

function isFresh(control) {
  const out = outputOf(control);
  if (![out.bundle, out.manifest, out.mark].every((path) => existsSync(path))) return false;
  const mark = JSON.parse(readFileSync(out.mark, 'utf8'));
  if (mark.buildMode !== 'production' || mark.succeeded !== true) return false;
  // the bundle is still the one this wrapper built (not a later dev build or a failed one)
  const bundle = statSync(out.bundle);
  if (mark.bundleBytes !== bundle.size || mark.bundleMtimeMs !== bundle.mtimeMs) return false;
  const sources = newestSourceTime([
    out.projectDir,
    join(pcfRoot, 'common'),
    join(pcfRoot, 'eslint.config.mjs'),
  ]);
  return Math.min(statSync(out.bundle).mtimeMs, statSync(out.manifest).mtimeMs) > sources;
}

/** Problems pcf-scripts printed, or an empty list when its log says it succeeded. */
export function problemsInLog(log) {
  const text = log.replace(ansi, '');
  const problems = text
    .split('\n')
    .filter((line) => /\[Error\]|\bERROR\b|\[build\] Failed/.test(line))
    .map((line) => line.trim());
  if (!/\[build\] Succeeded/.test(text)) problems.push('no "[build] Succeeded" in the pcf-scripts log');
  return problems;
}

function runPcfScripts(control) {
  const { projectDir } = outputOf(control);
  const requireFromProject = createRequire(join(projectDir, 'package.json'));
  const pcfScripts = join(dirname(requireFromProject.resolve('pcf-scripts/package.json')), 'bin', 'pcf-scripts.js');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [pcfScripts, 'build', '--buildMode', 'production'], {
      cwd: projectDir,
      env: { ...process.env, PP_TOOLS_TELEMETRY_OPTOUT: 'true', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const collect = (chunk) => {
      const text = chunk.toString();
      log += text;
      process.stdout.write(text.replace(/^/gm, `[${control.constructor}] `).replace(/\[[A-Za-z]+\] $/, ''));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, log }));
  });
}

async function build(control) {
  const out = outputOf(control);
  const { code, log } = await runPcfScripts(control);
  const problems = problemsInLog(log);
  if (code !== 0) problems.push(`pcf-scripts exited with ${code}`);
  if (problems.length === 0) {
    if (!existsSync(out.manifest)) problems.push(`${relative(pcfRoot, out.manifest)} missing`);
    if (!existsSync(out.bundle)) problems.push(`${relative(pcfRoot, out.bundle)} missing`);
  }
  if (problems.length === 0) {
    const size = statSync(out.bundle).size;
    if (size >= MAX_BUNDLE_BYTES) {
      problems.push(`bundle.js is ${size} bytes, limit ${MAX_BUNDLE_BYTES}: are React and Fluent still platform libraries?`);
    }
  }
  const bundle = existsSync(out.bundle) ? statSync(out.bundle) : undefined;
  writeFileSync(
    out.mark,
    JSON.stringify({
      buildMode: 'production',
      succeeded: problems.length === 0,
      bundleBytes: bundle?.size,
      bundleMtimeMs: bundle?.mtimeMs,
      at: new Date().toISOString(),
    }),
  );
  return problems;
}

async function main() {
  const ifStale = process.argv.includes('--if-stale');
  let failed = false;
  for (const control of controls) {
    const out = outputOf(control);
    if (ifStale && isFresh(control)) {
      console.log(`[build-all] ${control.constructor}: production output is up to date, not rebuilt`);
    } else {
      const problems = await build(control);
      if (problems.length > 0) {
        failed = true;
        console.error(`[build-all] ${control.constructor}: FAILED`);
        for (const problem of problems) console.error(`[build-all]   ${problem}`);
        continue;
      }
    }
    console.log(`[build-all] ${control.constructor}: ok, bundle.js ${statSync(out.bundle).size} bytes (limit ${MAX_BUNDLE_BYTES})`);
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
