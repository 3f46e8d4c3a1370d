/**
 * `instances.<name>.auth` as a list of identities (application users), 1–16 of them. The list is taken
 * out of the raw tree before the one parse and each entry is parsed on its own with `AuthFileSchema`,
 * so an error names the entry: `instances.b.auth[1].clientId: …` (the schema itself keeps describing
 * one identity, which is also what the settings tables document).
 */
import { formatIssues } from './ConfigError';
import { type AuthFile, AuthFileSchema } from './ConfigSchema';
import { isObject, MAX_IDENTITIES, type Origin } from './environmentVariables';

/** Removes every list-valued `auth` from the raw tree; returns them by instance name. */
export function takeAuthLists(tree: Record<string, unknown>): Map<string, unknown[]> {
  const lists = new Map<string, unknown[]>();
  if (!isObject(tree['instances'])) return lists;
  for (const [name, instance] of Object.entries(tree['instances'])) {
    if (!isObject(instance) || !Array.isArray(instance['auth'])) continue;
    lists.set(name, instance['auth'] as unknown[]);
    delete instance['auth'];
  }
  return lists;
}

/** Each entry parsed, or undefined (with its issues) when the list or an entry is not valid. */
export function parseAuthList(name: string, list: readonly unknown[], origins: ReadonlyMap<string, Origin>, issues: string[]): AuthFile[] | undefined {
  if (list.length === 0 || list.length > MAX_IDENTITIES) {
    const origin = origins.get(`instances.${name}.auth`);
    issues.push(`instances.${name}.auth: must list 1 to ${MAX_IDENTITIES} identities (has ${list.length})${origin ? ` (from ${origin.variable})` : ''}`);
    return undefined;
  }
  const entries: AuthFile[] = [];
  list.forEach((entry, index) => {
    const parsed = AuthFileSchema.safeParse(entry);
    if (parsed.success) entries.push(parsed.data);
    else issues.push(...formatIssues(parsed.error, origins, ['instances', name, `auth[${index}]`]));
  });
  return entries.length === list.length ? entries : undefined;
}
