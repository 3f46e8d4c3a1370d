/**
 * Whether an instance is reachable: it answers a one-row read of ec_stub (which also proves the
 * solution is imported) within the timeout. Results are shared and kept a while (`ProbeCache.ts`), so
 * the open `/ready` costs at most one request per instance per period.
 */
import { toApiError } from './DataverseFailures';
import type { CoreInstance } from './InstanceRegistry';
import { ProbeCache } from './ProbeCache';
import type { StubRepository } from './stubs';

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

  /** `stubs`: the instance's `ec_stub` table, whose `probe` is the read. */
  reachability(instance: CoreInstance, stubs: StubRepository): Promise<Reachability> {
    return this.cache.get(instance.name, () => this.probe(instance, stubs));
  }

  private async probe(instance: CoreInstance, stubs: StubRepository): Promise<Reachability> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([stubs.probe(), timeout]);
      return { reachable: true };
    } catch (error) {
      const mapped = toApiError(error, instance.name);
      return { reachable: false, error: mapped instanceof Error ? mapped.message : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }
}
