/** Small helpers for bounded concurrency. */

/**
 * Maps `items` through `task` with at most `limit` tasks running at once; results keep the
 * input order. A task's rejection rejects the whole map (wrap per-item errors inside `task`).
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Runs `task` over `items` with at most `limit` in flight and yields the results in input
 * order as soon as each is ready (a read-ahead window).
 */
export async function* orderedConcurrent<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): AsyncGenerator<R> {
  const window: Array<Promise<R>> = [];
  let next = 0;
  const fill = () => {
    while (window.length < Math.max(1, limit) && next < items.length) {
      const promise = task(items[next++] as T);
      promise.catch(() => undefined); // surfaced when awaited in order
      window.push(promise);
    }
  };
  fill();
  while (window.length > 0) {
    const result = await (window.shift() as Promise<R>);
    fill();
    yield result;
  }
}
