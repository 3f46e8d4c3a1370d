/** Benchmarks run each server in its own process (as deployed); these start and stop them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs a TypeScript entry with tsx and resolves once its output matches `ready` (group 1: the URL).
 * BENCH_NODE_ARGS adds Node flags to every child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see
 * where a server's CPU goes (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
export function startChild(script: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The local Dataverse CLI's ready line: `Local Dataverse ready at http://127.0.0.1:<port>/api/data/v9.2/`. */
export const LOCAL_DATAVERSE_READY = /ready at (http:\/\/127\.0\.0\.1:\d+)\//;

/**
 * CPU time a child has used so far (user + system, all its threads) in ms, from /proc on Linux;
 * undefined elsewhere. Assumes the usual 100 clock ticks per second.
 */
export function cpuMillis(child: ChildProcess): number | undefined {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Resident memory of a child process in MB, now and at its peak (Linux /proc; undefined elsewhere). */
export function memoryMegabytes(child: ChildProcess): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}
