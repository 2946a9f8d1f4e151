import { useEffect, useRef, useState } from 'preact/hooks';
import type { PlotSpec, PlotTheme, UPlotClass } from '@/components/insights/plot-options';
import { errorMessage } from '@/utils/domain';

let uplot: Promise<UPlotClass> | null = null;
/** uPlot (and its stylesheet) are fetched the first time a plot is drawn, never at panel open. */
export function loadUPlot(): Promise<UPlotClass> {
  uplot ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return uplot;
}

/**
 * Whether this page can draw on a 2D canvas. uPlot takes a null context without a word and then throws from its
 * draw, queued as a microtask, where no caller can catch it: ask first (a locked-down page, a test DOM).
 */
let canDraw: boolean | null = null;
function hasCanvas2d(): boolean {
  canDraw ??= document.createElement('canvas').getContext('2d') !== null;
  return canDraw;
}

/** The theme's resolved colours: the plot box's own `color` and `outline-color` come from the CSS tokens. */
function themeOf(el: HTMLElement): PlotTheme {
  const style = getComputedStyle(el);
  return { text: style.color, grid: style.outlineColor, font: `11px ${style.fontFamily}` };
}

/** Re-renders when the system theme flips (a pinned ?theme= does not change while the page is open). */
function useSchemeChanges(): number {
  const [flips, setFlips] = useState(0);
  useEffect(() => {
    const media = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    if (!media) return;
    const onChange = () => setFlips((n) => n + 1);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  return flips;
}

/**
 * One uPlot canvas. It is decoration for sighted users: its figure's caption and summary say the same in text,
 * so the canvas is hidden from assistive technology.
 */
export function Plot({ spec, testId }: { spec: PlotSpec; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const flips = useSchemeChanges();
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    let plot: InstanceType<UPlotClass> | null = null;
    let observer: ResizeObserver | null = null;
    loadUPlot().then(
      (U) => {
        const el = ref.current;
        if (cancelled || !el) return;
        if (!hasCanvas2d()) {
          setFailed('no 2D canvas');
          return;
        }
        try {
          const { opts, data } = spec.build(U, themeOf(el));
          plot = new U({ ...opts, width: Math.max(120, el.clientWidth), height: spec.height }, data, el);
        } catch (err) {
          // The summary still says it all.
          setFailed(errorMessage(err));
          return;
        }
        el.dataset.drawn = 'true';
        observer = new ResizeObserver(() => {
          const width = Math.max(120, el.clientWidth);
          if (plot && Math.abs(plot.width - width) > 1) plot.setSize({ width, height: spec.height });
        });
        observer.observe(el);
      },
      (err: unknown) => !cancelled && setFailed(errorMessage(err)),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [spec, flips]);
  if (failed)
    return <p class="plot-failed">The plot could not be drawn ({failed}); the summary below says what it shows.</p>;
  return (
    <div class="plot" ref={ref} aria-hidden="true" data-testid={testId} style={{ minHeight: `${spec.height}px` }} />
  );
}
