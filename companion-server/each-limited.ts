/**
 * Runs `work` over `items` with at most `limit` in flight. Image writes are each fsynced, so doing
 * them one after another makes a 10,000-image save wait on 10,000 round trips to the disk.
 */
export async function eachLimited<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  const queue = [...items];
  let failed: unknown = null;
  const lanes = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0 && failed === null) {
      try {
        await work(queue.shift()!);
      } catch (err) {
        failed ??= err;
      }
    }
  });
  await Promise.all(lanes);
  if (failed !== null) throw failed;
}
