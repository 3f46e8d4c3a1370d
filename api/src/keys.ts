/**
 * `npm run keys -- <command>`: manages the API keys kept in the data folder (`<dataDir>/api-keys.json`,
 * SHA-256 hashes only), or prints an entry for the configuration file's `apiKeys`.
 *
 *   create <name> [--admin] [--print]   a new key, shown once; --print stores nothing and prints the
 *                                       `apiKeys` entry for the configuration file instead
 *   list                                the keys in the data folder and the configured ones (names only)
 *   revoke <name>                       removes a key from the data folder
 *
 * The data folder is the service's (`DATA_DIR`, the file's `dataDir`, default `.data`). The service reads
 * keys when it starts: restart it after a change.
 */
import { parseArgs } from 'node:util';
import { ApiKeyEntrySchema } from './config/ConfigSchema';
import { apiKeysFilePath, loadConfig, newApiKey, readDataFolderApiKeyFile, removeDataFolderApiKey, storeDataFolderApiKey, ConfigError, type AppConfig } from './config';

const USAGE = `usage: npm run keys -- create <name> [--admin] [--print] | list | revoke <name>

  create <name>   generates a key, prints it once, stores its hash in <dataDir>/api-keys.json
    --admin       the key may call the admin endpoints (role "admin"; default "caller")
    --print       store nothing: print the key and the apiKeys entry for the configuration file
  list            the keys in the data folder, and where the service takes its keys from
  revoke <name>   removes the key from the data folder

The service reads its keys when it starts: restart it after a change.`;

/** The command line is wrong: the message and the usage. */
class UsageError extends Error {}
/** The command cannot be done as asked (a name taken, a key not there): the message alone. */
class Refusal extends Error {}

/** Keys from the file or the environment replace the data folder's: say so where it matters. */
function dataFolderKeysIgnored(config: AppConfig): boolean {
  return config.apiKeySource !== 'data folder' && config.apiKeySource !== 'none';
}

function create(config: AppConfig, name: string, admin: boolean, print: boolean, out: (line: string) => void): void {
  const checked = ApiKeyEntrySchema.shape.name.safeParse(name);
  if (!checked.success) throw new UsageError(`key name "${name}": ${checked.error.issues[0]!.message}`);
  const { key, entry } = newApiKey(name, admin ? 'admin' : undefined);
  if (print) {
    out(`API key "${name}" (shown only this once; nothing was stored):`);
    out(`  ${key}`);
    out('');
    out('Add this entry to "apiKeys" in the configuration file, then restart the service:');
    out(`  ${JSON.stringify(entry)}`);
    return;
  }
  // Checked before the key is shown, so a key is never printed that then fails to be stored.
  if (readDataFolderApiKeyFile(config.dataDir).some((existing) => existing.name === name)) {
    throw new Refusal(`${apiKeysFilePath(config.dataDir)} already has a key named "${name}" (revoke it first, or choose another name)`);
  }
  out(`API key "${name}"${admin ? ' (admin)' : ''} (shown only this once):`);
  out(`  ${key}`);
  const path = storeDataFolderApiKey(config.dataDir, entry);
  out('');
  out(`Its hash is stored in ${path}. Restart the service to accept it.`);
  if (dataFolderKeysIgnored(config)) {
    out(`Note: the service takes its keys from the ${config.apiKeySource} (${config.apiKeys.map((k) => k.name).join(', ')}), so it ignores the data folder's.`);
    out('Add the key there instead (npm run keys -- create <name> --print gives the file entry).');
  }
}

function list(config: AppConfig, out: (line: string) => void): void {
  const stored = readDataFolderApiKeyFile(config.dataDir);
  out(`Data folder keys (${apiKeysFilePath(config.dataDir)}):`);
  if (stored.length === 0) out('  none');
  for (const key of stored) out(`  ${key.name}  role: ${key.role ?? 'caller'}${key.createdOn ? `  created: ${key.createdOn}` : ''}`);
  if (dataFolderKeysIgnored(config)) {
    out(`The service uses the keys from the ${config.apiKeySource} instead: ${config.apiKeys.map((key) => `${key.name} (${key.role ?? 'caller'})`).join(', ')}`);
  } else if (stored.length === 0) {
    out('No key is configured: the next start generates one and prints it once.');
  }
}

function revoke(config: AppConfig, name: string, out: (line: string) => void): void {
  if (!removeDataFolderApiKey(config.dataDir, name)) {
    const configured = config.apiKeys.some((key) => key.name === name) && dataFolderKeysIgnored(config);
    throw new Refusal(
      configured
        ? `"${name}" comes from the ${config.apiKeySource}, not the data folder: remove it there`
        : `${apiKeysFilePath(config.dataDir)} has no key named "${name}" (npm run keys -- list)`,
    );
  }
  out(`Removed "${name}" from ${apiKeysFilePath(config.dataDir)}. Restart the service to refuse it.`);
  if (readDataFolderApiKeyFile(config.dataDir).length === 0 && !dataFolderKeysIgnored(config)) {
    out('No key is left: the next start generates one and prints it once.');
  }
}

/** Runs one command; returns the exit code. */
export function runKeysCommand(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; out?: (line: string) => void; err?: (line: string) => void } = {}): number {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { admin: { type: 'boolean', default: false }, print: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    const [command, name, ...extra] = positionals;
    if (values.help) {
      out(USAGE);
      return 0;
    }
    if (command === undefined || extra.length > 0) throw new UsageError('expected one command');
    const config = loadConfig({ ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
    switch (command) {
      case 'create':
        if (name === undefined) throw new UsageError('create needs a key name');
        create(config, name, values.admin, values.print, out);
        return 0;
      case 'list':
        if (name !== undefined || values.admin || values.print) throw new UsageError('list takes no argument');
        list(config, out);
        return 0;
      case 'revoke':
        if (name === undefined || values.admin || values.print) throw new UsageError('revoke needs a key name, and nothing else');
        revoke(config, name, out);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Refusal) err(error.message);
    else if (error instanceof UsageError || (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') err(`${(error as Error).message}\n\n${USAGE}`);
    else err(`keys: ${(error as Error).message}`);
    return error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

if (require.main === module) {
  process.exitCode = runKeysCommand(process.argv.slice(2));
}
