/**
 * API keys: stored only as SHA-256 hashes (configuration file, data folder), compared in constant time.
 * The plain key exists in memory when it is generated (printed once by `npm start`) or read from
 * `API_KEYS`, and in the requests that carry it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const ApiKeysFileSchema = z.strictObject({
  keys: z.array(ApiKeyEntrySchema.extend({ createdOn: z.string().optional() })),
});

export function apiKeysFilePath(dataDir: string): string {
  return join(dataDir, API_KEYS_FILE_NAME);
}

/** The keys `npm start` generated into the data folder earlier (hashes only); [] when there is none. */
export function readDataFolderApiKeys(dataDir: string): ApiKeyEntry[] {
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
  return result.data.keys.map(({ name, sha256 }) => ({ name, sha256 }));
}

/**
 * Generates a key, stores its name and hash in `<dataDir>/api-keys.json` (mode 600) and returns the
 * plain key, which is not kept anywhere else.
 */
export function generateDataFolderApiKey(dataDir: string, name = 'generated'): { key: string; entry: ApiKeyEntry; path: string } {
  const key = generateApiKey();
  const entry: ApiKeyEntry = { name, sha256: hashApiKey(key) };
  const path = apiKeysFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const existing = existsSync(path) ? readDataFolderApiKeys(dataDir) : [];
  const content = { keys: [...existing, { ...entry, createdOn: new Date().toISOString() }] };
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { key, entry, path };
}
