import pLimit from 'p-limit';

/**
 * Runs `work` over `items` with at most `limit` in flight, and throws the first failure once the lanes are
 * done (the rest are skipped). Image writes are each fsynced, so doing them one after another makes a
 * 10,000-image save wait on 10,000 round trips to the disk.
 */
export async function eachLimited<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  const lanes = pLimit(limit);
  let failed: { error: unknown } | null = null;
  await Promise.all(
    Array.from(items, (item) =>
      lanes(async () => {
        if (failed) return;
        try {
          await work(item);
        } catch (error) {
          failed ??= { error };
        }
      }),
    ),
  );
  if (failed) throw (failed as { error: unknown }).error;
}
