/**
 * Whether an instance is reachable: it answers a one-row read of ec_stub (which also proves the
 * solution is imported) within the timeout. Results are shared and kept a while (`ProbeCache.ts`), so
 * the open `/ready` costs at most one request per instance per period.
 */
import { toApiError } from './DataverseFailures';
import type { CoreInstance } from './InstanceRegistry';
import { ProbeCache } from './ProbeCache';
import { STUB_ENTITY_SET } from './StubTracking';

export interface Reachability {
  reachable: boolean;
  /** Why not (no secrets). */
  error?: string;
}

export class InstanceProbe {
  private readonly cache: ProbeCache<Reachability>;

  /** `timeoutMs`: how long a probe may take; `cacheMs`: how long its result is reused. */
  constructor(
    private readonly timeoutMs: number,
    cacheMs: number,
    now?: () => number,
  ) {
    this.cache = new ProbeCache(cacheMs, now);
  }

  reachability(instance: CoreInstance): Promise<Reachability> {
    return this.cache.get(instance.name, () => this.probe(instance));
  }

  private async probe(instance: CoreInstance): Promise<Reachability> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([instance.client.query(STUB_ENTITY_SET, { select: ['ec_stubid'], top: 1 }), timeout]);
      return { reachable: true };
    } catch (error) {
      const mapped = toApiError(error, instance.name);
      return { reachable: false, error: mapped instanceof Error ? mapped.message : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }
}
