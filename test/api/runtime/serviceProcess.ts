/**
 * The service in its own process, started the way an operator starts it (`npm start`, or
 * `node dist/main.js`), for the tests that signal it. Linux only: descendants are read from /proc.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ServiceProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` from the banner. */
  url: string;
  /** The key the banner printed, when this start generated one. */
  printedKey?: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Every process spawned here: tests SIGKILL what is left, a failed start included. */
export const spawnedServices = new Set<ChildProcess>();

export function spawnService(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number }): Promise<ServiceProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  spawnedServices.add(child);
  child.once('exit', () => spawnedServices.delete(child));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const onData = () => {
      const match = /Dataverse Ensure API: (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out);
      // The banner is written in one piece; wait for its last line.
      if (!match || !out.includes('Stop with Ctrl+C')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const key = /shown only this once[^\n]*\n\s+(dve_\S+)/.exec(out)?.[1];
      resolveStart({ child, url: match[1]!, ...(key ? { printedKey: key } : {}), exited, output: () => out });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code ?? signal}) before it started:\n${out}`));
    });
  });
}

/** SIGKILLs every process spawned here that still runs, and its descendants (an npm's node, say). */
export async function killLeftovers(): Promise<void> {
  await Promise.all(
    [...spawnedServices].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const descendants = descendantsOf(child.pid!);
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
          for (const pid of descendants) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }),
    ),
  );
}

/** Every live descendant of `pid` (children, grandchildren, …), from /proc. */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, itsParent] of parentOf) {
      if (itsParent === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** `<pid> <command line>` of every process of `pids` still running (zombies count as ended). */
export function stillRunning(pids: readonly number[]): string[] {
  return pids.flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return [];
      return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`];
    } catch {
      return [];
    }
  });
}
