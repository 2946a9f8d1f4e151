import type { BannerMessage } from '@/components/Banner';
import type { PanelSnapshot } from '@/utils/panel/state';

/**
 * What the error banner lists: the panel's own errors, and the storage problems storage itself reports (hidden
 * only until a different one arrives: `dismissed` holds the ones the user closed).
 */
export function bannerMessages(
  errors: readonly BannerMessage[],
  snap: Pick<PanelSnapshot, 'storageError' | 'readError'>,
  dismissed: ReadonlySet<string>,
): BannerMessage[] {
  const banner: BannerMessage[] = [...errors];
  if (snap.storageError) {
    const id = `storage:${snap.storageError.at ?? ''}:${snap.storageError.message}`;
    if (!dismissed.has(id)) banner.unshift({ id, message: `Storage problem: ${snap.storageError.message}` });
  }
  if (snap.readError && !dismissed.has(`read:${snap.readError}`))
    banner.unshift({ id: `read:${snap.readError}`, message: snap.readError });
  return banner;
}

/** Whether a banner entry is a storage report (dismissed here) rather than one of the panel's errors. */
export const isStorageReport = (id: string) => id.startsWith('storage:') || id.startsWith('read:');
