import { useEffect, useState } from 'preact/hooks';

/**
 * A module imported the first time it is wanted, then kept: Insights (its views, its plots and uPlot) costs
 * nothing at panel open. `error` says why it could not be loaded.
 */
export function useLazyModule<M>(wanted: boolean, load: () => Promise<M>): { module: M | null; error: string | null } {
  const [state, setState] = useState<{ module: M | null; error: string | null }>({ module: null, error: null });
  useEffect(() => {
    if (!wanted || state.module) return;
    let live = true;
    load().then(
      (module) => live && setState({ module, error: null }),
      (err: unknown) => live && setState({ module: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [wanted, state.module, load]);
  return state;
}
