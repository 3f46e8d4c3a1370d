/**
 * The reconciler's small worker pool: every item once, in order of start, never more than `limit` in
 * flight (measured with tasks that wait on each other, no timing), and a failing task rejects the whole.
 */
import { forEachConcurrently } from '../../../api/src/reconciler/forEachConcurrently';

/** Tasks that stay in flight until released, recording the order they started in and the peak in flight. */
function gatedTasks() {
  const started: number[] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let peak = 0;
  const task = async (item: number) => {
    started.push(item);
    peak = Math.max(peak, ++inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight--;
  };
  /** Releases the tasks in flight, one turn at a time, until all are done. */
  const drain = async (done: Promise<void>) => {
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      gates.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { started, task, drain, peak: () => peak };
}

it('starts every item once, in order, at most `limit` at a time', async () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  const tasks = gatedTasks();
  const done = forEachConcurrently(items, 3, tasks.task);
  await new Promise((resolve) => setImmediate(resolve));
  expect(tasks.started).toEqual([0, 1, 2]);
  await tasks.drain(done);
  expect(tasks.started).toEqual(items);
  expect(tasks.peak()).toBe(3);
});

it('runs fewer lanes than `limit` when there are fewer items, none for none', async () => {
  const tasks = gatedTasks();
  await tasks.drain(forEachConcurrently([7, 8], 8, tasks.task));
  expect(tasks.started).toEqual([7, 8]);
  expect(tasks.peak()).toBe(2);
  await expect(forEachConcurrently([], 8, () => Promise.reject(new Error('never called')))).resolves.toBeUndefined();
});

it('rejects when a task throws', async () => {
  await expect(forEachConcurrently([1, 2, 3], 2, async (item) => {
    if (item === 2) throw new Error('task 2 failed');
  })).rejects.toThrow('task 2 failed');
});
