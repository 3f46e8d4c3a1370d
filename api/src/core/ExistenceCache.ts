/**
 * Records known to exist in an instance, so a submit whose references are all known costs one round
 * trip. Bounded (LRU) with a TTL: a record deleted behind our back is detected when Dataverse refuses
 * the bind, the entry is dropped and the submit retried once.
 */
import { LRUCache } from 'lru-cache';

export interface ExistenceCacheOptions {
  maxEntries?: number;
  ttlSeconds?: number;
}

export class ExistenceCache {
  private readonly cache: LRUCache<string, string>;

  constructor(options: ExistenceCacheOptions = {}) {
    this.cache = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: (options.ttlSeconds ?? 300) * 1000 });
  }

  /** The record's GUID when it is known to exist. */
  get(referenceId: string): string | undefined {
    return this.cache.get(referenceId);
  }

  remember(referenceId: string, recordId: string): void {
    this.cache.set(referenceId, recordId);
  }

  forget(referenceId: string): void {
    this.cache.delete(referenceId);
  }
}
