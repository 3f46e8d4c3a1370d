/** The lines of the `ConfigError` that loading the configuration in `cwd` with `env` throws; fails when it loads. */
import { ConfigError, loadConfig } from '../../api/src/config';

export function configIssues(env: Record<string, string>, cwd: string): string[] {
  try {
    loadConfig({ env, cwd });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('the configuration was accepted');
}
