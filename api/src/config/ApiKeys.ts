/**
 * API keys: stored only as SHA-256 hashes (configuration file, data folder), compared in constant time.
 * The plain key exists in memory when it is generated (printed once by `npm start` or `npm run keys`)
 * or read from `API_KEYS`, and in the requests that carry it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ApiKeyEntrySchema, type ApiKeyEntry } from './ConfigSchema';

export const API_KEYS_FILE_NAME = 'api-keys.json';
/** Shortest key accepted from `API_KEYS`: guessing must stay out of reach. */
export const MIN_API_KEY_LENGTH = 16;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** `dve_` + 32 random bytes, base64url: 47 characters, 256 bits. */
export function generateApiKey(): string {
  return `dve_${randomBytes(32).toString('base64url')}`;
}

/**
 * The configured key whose hash matches `presented`, or undefined. Every configured hash is compared
 * (no early exit) with `crypto.timingSafeEqual` on equal-length digests, so neither the position of the
 * matching key nor the length of the presented one shows in the time taken.
 */
export function matchApiKey(presented: string, keys: readonly ApiKeyEntry[]): ApiKeyEntry | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKeyEntry | undefined;
  for (const entry of keys) {
    const expected = Buffer.from(entry.sha256, 'hex');
    if (expected.length === digest.length && timingSafeEqual(digest, expected) && found === undefined) found = entry;
  }
  return found;
}

const DataFolderKeySchema = ApiKeyEntrySchema.extend({ createdOn: z.string().optional() });
const ApiKeysFileSchema = z.strictObject({ keys: z.array(DataFolderKeySchema) });
/** A key as `<dataDir>/api-keys.json` holds it: name, hash, role when admin, when it was created. */
export type DataFolderApiKey = z.infer<typeof DataFolderKeySchema>;

export function apiKeysFilePath(dataDir: string): string {
  return join(dataDir, API_KEYS_FILE_NAME);
}

/** Every entry of `<dataDir>/api-keys.json` as stored; [] when there is no file. */
export function readDataFolderApiKeyFile(dataDir: string): DataFolderApiKey[] {
  const path = apiKeysFilePath(dataDir);
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const result = ApiKeysFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data.keys;
}

/** The keys stored in the data folder (hashes only), as the key check uses them; [] when there is none. */
export function readDataFolderApiKeys(dataDir: string): ApiKeyEntry[] {
  return readDataFolderApiKeyFile(dataDir).map(({ name, sha256, role }) => ({ name, sha256, ...(role !== undefined ? { role } : {}) }));
}

/** Writes the whole file (mode 600) through a temporary file and a rename: never half written. */
function writeDataFolderApiKeyFile(dataDir: string, keys: readonly DataFolderApiKey[]): string {
  const path = apiKeysFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}

/** A new key and its entry, in memory only: nothing is stored until `storeDataFolderApiKey`. */
export function newApiKey(name: string, role?: ApiKeyEntry['role']): { key: string; entry: ApiKeyEntry } {
  const key = generateApiKey();
  return { key, entry: { name, sha256: hashApiKey(key), ...(role === 'admin' ? { role } : {}) } };
}

/** Adds an entry to `<dataDir>/api-keys.json`; refuses a name the file already has. Returns the path. */
export function storeDataFolderApiKey(dataDir: string, entry: ApiKeyEntry): string {
  const existing = readDataFolderApiKeyFile(dataDir);
  if (existing.some((key) => key.name === entry.name)) throw new Error(`${apiKeysFilePath(dataDir)} already has a key named "${entry.name}"`);
  return writeDataFolderApiKeyFile(dataDir, [...existing, { ...entry, createdOn: new Date().toISOString() }]);
}

/** Removes the entry named `name`; false when the file has none by that name. */
export function removeDataFolderApiKey(dataDir: string, name: string): boolean {
  const existing = readDataFolderApiKeyFile(dataDir);
  const kept = existing.filter((key) => key.name !== name);
  if (kept.length === existing.length) return false;
  writeDataFolderApiKeyFile(dataDir, kept);
  return true;
}

/**
 * Generates a key, stores its name and hash in `<dataDir>/api-keys.json` (mode 600) and returns the
 * plain key, which is not kept anywhere else. The caller must show it: `npm start` does not use this
 * (it stores the hash only after printing the key), the tests and `npm run keys` flows do.
 */
export function generateDataFolderApiKey(dataDir: string, name = 'generated'): { key: string; entry: ApiKeyEntry; path: string } {
  const { key, entry } = newApiKey(name);
  const path = storeDataFolderApiKey(dataDir, entry);
  return { key, entry, path };
}
