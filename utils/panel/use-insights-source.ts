import { useEffect, useState } from 'preact/hooks';
import type { InsightsSource } from '@/utils/panel/insights-source';

/** Insights' read side, loaded after the panel's first paint: its code is not needed for the first rows. */
export function useInsightsSource(load: (() => Promise<InsightsSource>) | undefined, ready: boolean) {
  const [source, setSource] = useState<InsightsSource | null>(null);
  useEffect(() => {
    if (!ready || !load || source) return;
    let live = true;
    load().then(
      (s) => live && setSource(s),
      (err: unknown) => console.error('Could not load Insights', err),
    );
    return () => {
      live = false;
    };
  }, [ready, load, source]);
  return source;
}
