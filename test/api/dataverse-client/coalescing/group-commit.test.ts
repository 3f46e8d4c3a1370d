/** The group-commit primitive both coalescers use: sent at once when idle, grouped while busy, bounded in flight. */
import { GroupCommit, type Settled } from '../../../../api/src/dataverse/coalescing/GroupCommit';

/** A `send` whose groups are recorded and finished by hand. */
function manualSend() {
  const groups: { members: readonly number[]; finish: (outcomes?: Settled<string>[]) => void; fail: (error: unknown) => void }[] = [];
  const send = (members: readonly number[]) =>
    new Promise<readonly Settled<string>[]>((resolve, reject) => {
      groups.push({ members, finish: (outcomes) => resolve(outcomes ?? members.map((m) => ({ ok: true, value: `answer ${m}` }))), fail: reject });
    });
  return { groups, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('sends a member at once while fewer than maxInFlight groups are under way', () => {
    const { groups, send } = manualSend();
    const commit = new GroupCommit<number, string>({ maxInFlight: 2, nextGroup: (waiting) => waiting.map((_, i) => i), send });
    void commit.run(1);
    expect(groups.map((g) => g.members)).toEqual([[1]]); // synchronously: no linger
    void commit.run(2);
    expect(groups.map((g) => g.members)).toEqual([[1], [2]]);
  });

  it('holds what arrives while busy and sends it as one group when a group finishes; each member its own outcome', async () => {
    const { groups, send } = manualSend();
    const commit = new GroupCommit<number, string>({ maxInFlight: 1, nextGroup: (waiting) => waiting.map((_, i) => i), send });
    const first = commit.run(1);
    const rest = [2, 3, 4].map((m) => commit.run(m).catch((e: unknown) => e));
    expect(commit.queued).toBe(3);
    groups[0]!.finish();
    await expect(first).resolves.toBe('answer 1');
    await tick();
    expect(groups.map((g) => g.members)).toEqual([[1], [2, 3, 4]]);
    groups[1]!.finish([{ ok: true, value: 'two' }, { ok: false, error: new Error('three') }, { ok: true, value: 'four' }]);
    const [two, three, four] = await Promise.all(rest);
    expect(two).toBe('two');
    expect((three as Error).message).toBe('three');
    expect(four).toBe('four');
  });

  it('lets nextGroup leave members for the next group, and fails a whole group when send rejects', async () => {
    const { groups, send } = manualSend();
    const commit = new GroupCommit<number, string>({ maxInFlight: 1, nextGroup: () => [0, 1], send });
    const outcomes = [1, 2, 3, 4].map((m) => commit.run(m).catch((e: unknown) => e));
    groups[0]!.finish();
    await tick();
    expect(groups.map((g) => g.members)).toEqual([[1], [2, 3]]);
    groups[1]!.fail(new Error('throttled'));
    await tick();
    expect(groups.map((g) => g.members)).toEqual([[1], [2, 3], [4]]);
    groups[2]!.finish();
    expect((await Promise.all(outcomes)).map((o) => (o instanceof Error ? o.message : o))).toEqual(['answer 1', 'throttled', 'throttled', 'answer 4']);
  });
});
