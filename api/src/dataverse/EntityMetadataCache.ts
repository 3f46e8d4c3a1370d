/**
 * Bounded, time-limited cache of table metadata (or anything keyed by a string), with single-flight
 * loading: concurrent misses for one key share one load. Failed loads are not cached. When full,
 * the least recently used entry goes first.
 *
 * Defaults: 256 entries, 15 minutes — metadata changes only with a solution import or customization.
 */
export interface EntityMetadataCacheOptions {
  /** Most entries kept (default 256). */
  readonly maxEntries?: number;
  /** How long an entry is served after it was loaded, in ms (default 900 000). */
  readonly ttlMs?: number;
  /** Clock, for tests (default Date.now). */
  readonly now?: () => number;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export class EntityMetadataCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, Promise<T>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: EntityMetadataCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 256;
    this.ttlMs = options.ttlMs ?? 15 * 60 * 1000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive whole number');
    if (!(this.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  }

  /** Number of entries held (fresh or not yet evicted). */
  get size(): number {
    return this.entries.size;
  }

  /** The fresh cached value, or undefined. */
  peek(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** The cached value, or the result of `load` (shared by concurrent callers) stored for ttlMs. */
  async get(key: string, load: () => Promise<T>): Promise<T> {
    if (this.peek(key) !== undefined) {
      const entry = this.entries.get(key) as Entry<T>;
      this.entries.delete(key); // re-insert: most recently used last, same expiry
      this.entries.set(key, entry);
      return entry.value;
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const promise = (async () => {
      try {
        const value = await load();
        this.set(key, value);
        return value;
      } finally {
        this.loading.delete(key);
      }
    })();
    this.loading.set(key, promise);
    return promise;
  }

  /** Stores a value (e.g. one learned under a second key). */
  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Forgets one key, or everything. */
  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
