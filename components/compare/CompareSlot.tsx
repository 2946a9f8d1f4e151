import { useEffect } from 'preact/hooks';
import { type CompareItem, CompareView } from '@/components/compare/CompareView';
import type { PanelData } from '@/utils/panel/data';
import type { IndexEntry } from '@/utils/storage/layout';

export interface CompareSlotProps {
  /** 2-4 job ids (more are cut to the first four). */
  ids: readonly string[];
  entries: readonly IndexEntry[];
  data: Pick<PanelData, 'getJob' | 'getImage' | 'ensureRows'>;
  onClose(): void;
}

/** Reads the jobs to compare and shows them. */
export function CompareSlot({ ids, entries, data, onClose }: CompareSlotProps) {
  const shown = ids.slice(0, 4);
  const key = shown.join('\n');
  useEffect(() => {
    void data.ensureRows(key.split('\n'));
  }, [key, data]);
  const items: CompareItem[] = shown.map((id) => {
    const job = data.getJob(id);
    const entry = entries.find((e) => e.id === id);
    return {
      id,
      prompt: job?.prompt ?? entry?.prompt ?? id,
      width: (job?.width ?? entry?.width ?? 64) * (job?.frames?.count ?? 1),
      height: job?.height ?? entry?.height ?? 64,
      image: data.getImage(job?.image),
    };
  });
  return <CompareView items={items} onClose={onClose} />;
}
