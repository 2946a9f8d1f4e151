import { useEffect, useState } from 'preact/hooks';
import type { InsightsMain } from '@/utils/insights/aggregate';
import type { InsightsSource } from '@/utils/panel/insights-source';

/**
 * Insights' read side, loaded after the panel's first paint (its code is not needed for the first rows), and the
 * newest price per kind and size it holds, kept up to date: what the form's cost preview multiplies.
 */
export function useInsightsSource(load: (() => Promise<InsightsSource>) | undefined, ready: boolean) {
  const [source, setSource] = useState<InsightsSource | null>(null);
  const [prices, setPrices] = useState<InsightsMain['prices'] | null>(null);
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
  useEffect(() => {
    if (!source) return;
    let live = true;
    const read = () =>
      void source.prices().then(
        (p) => live && setPrices(p),
        () => undefined,
      );
    read();
    const off = source.onChange(read);
    return () => {
      live = false;
      off();
    };
  }, [source]);
  return { source, prices };
}
