/**
 * The error that stops a start, listing every bad setting, and how zod's issues become its lines: a
 * setting from the file by its path (`instances.b.url: …`), from a variable of its own by the variable
 * (`PORT: must be an integer from 0 to 65535`, in the text form the variable takes), from an instance's
 * variable by the path and the variable (`instances.b.url: … (from DVE_INSTANCE_B_URL)`).
 */
import type { z } from 'zod';
import type { Origin } from './environmentVariables';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid configuration (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The variable that set `dotted` or the setting holding it (the most specific one), if any. */
function originOf(dotted: string, origins: ReadonlyMap<string, Origin>): (Origin & { path: string }) | undefined {
  let found: { path: string; origin: Origin } | undefined;
  for (const [path, origin] of origins) {
    if ((dotted === path || dotted.startsWith(`${path}.`) || dotted.startsWith(`${path}[`)) && (found === undefined || path.length > found.path.length)) found = { path, origin };
  }
  return found && { ...found.origin, path: found.path };
}

function describe(settingPath: readonly string[], message: string, origins: ReadonlyMap<string, Origin>): string {
  const dotted = settingPath.join('.') || '(root)';
  const origin = originOf(dotted, origins);
  // The text form the variable takes says more than the schema's type (`expected number, received string`).
  const said = origin?.expects !== undefined && dotted === origin.path ? origin.expects : message;
  if (origin?.named) return `${origin.variable}: ${said}`;
  return `${dotted}: ${said}${origin ? ` (from ${origin.variable})` : ''}`;
}

/** One line per issue (one per unknown key), each line once; `prefix`: where the parsed value sits in the tree. */
export function formatIssues(error: z.ZodError, origins: ReadonlyMap<string, Origin>, prefix: readonly string[] = []): string[] {
  const lines = error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'invalid_key') return [describe(path, issue.issues[0]?.message ?? 'is not an allowed name', origins)];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => describe([...path, key], 'is not a known setting', origins));
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return [describe(path, 'is required', origins)];
    return [describe(path, issue.message, origins)];
  });
  return [...new Set(lines)];
}
