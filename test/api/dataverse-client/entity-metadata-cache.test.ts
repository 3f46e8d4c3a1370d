import { EntityMetadataCache } from '../../../api/src/dataverse/EntityMetadataCache';

describe('EntityMetadataCache', () => {
  it('serves a loaded value until its TTL passes, then loads again', async () => {
    let now = 0;
    const cache = new EntityMetadataCache<string>({ ttlMs: 1000, now: () => now });
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('account', load)).toBe('v1');
    now = 999;
    expect(await cache.get('account', load)).toBe('v1');
    now = 1000;
    expect(await cache.get('account', load)).toBe('v2');
    expect(loads).toBe(2);
  });

  it('reading does not extend the TTL', async () => {
    let now = 0;
    const cache = new EntityMetadataCache<string>({ ttlMs: 100, now: () => now });
    await cache.set('a', 'x');
    now = 90;
    expect(await cache.get('a', async () => 'y')).toBe('x');
    now = 100;
    expect(cache.peek('a')).toBeUndefined();
  });

  it('holds at most maxEntries, evicting the least recently used', async () => {
    const cache = new EntityMetadataCache<string>({ maxEntries: 2 });
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    await cache.get('a', async () => 'unused'); // a is now most recent
    await cache.get('c', async () => 'C');
    expect(cache.size).toBe(2);
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toBe('A');
    expect(cache.peek('c')).toBe('C');
  });

  it('shares one load between concurrent misses and does not cache failures', async () => {
    const cache = new EntityMetadataCache<number>();
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads += 1;
      await gate;
      return 42;
    };
    const all = Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    release();
    expect(await all).toEqual([42, 42, 42]);
    expect(loads).toBe(1);

    await expect(cache.get('bad', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('bad', async () => 7)).toBe(7);
  });

  it('invalidates one key or all, and refuses nonsense bounds', async () => {
    const cache = new EntityMetadataCache<string>();
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.invalidate('a');
    expect(cache.peek('a')).toBeUndefined();
    cache.invalidate();
    expect(cache.size).toBe(0);
    expect(() => new EntityMetadataCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new EntityMetadataCache({ ttlMs: 0 })).toThrow(RangeError);
  });
});
