import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { PixelStage } from '@/components/detail/PixelStage';
import { ZoomControl } from '@/components/detail/ZoomControl';
import { clampZoom, fitZoom } from '@/components/detail/zoom';
import { trapFocus, useInitialFocus } from '@/components/focus-trap';
import { CloseIcon } from '@/components/icons';

/** One job to compare: its size, its image once read, and what to call it. */
export interface CompareItem {
  id: string;
  prompt: string;
  width: number;
  height: number;
  image?: string;
}

export type CompareMode = 'side' | 'swipe' | 'onion';

export interface CompareViewProps {
  items: readonly CompareItem[];
  onClose(): void;
  /** The width the images share, to pick the first zoom. */
  boxWidth?: number;
}

/**
 * 2-4 jobs side by side at one integer zoom; two can also be laid over each other, with a swipe line or an
 * onion-skin opacity. A modal dialog over the panel; Escape closes it.
 */
export function CompareView({ items, onClose, boxWidth }: CompareViewProps) {
  const shown = items.slice(0, 4);
  const widest = Math.max(...shown.map((i) => i.width), 1);
  const tallest = Math.max(...shown.map((i) => i.height), 1);
  const box = boxWidth ?? Math.max(200, (globalThis.innerWidth || 400) - 40);
  const [zoom, setZoom] = useState(() => fitZoom(widest, tallest, box / Math.min(shown.length, 2) - 24, 320));
  const [mode, setMode] = useState<CompareMode>('side');
  const [amount, setAmount] = useState(50);
  const heading = useRef<HTMLHeadingElement>(null);
  useInitialFocus(() => heading.current, { restore: false });
  const two = shown.length === 2;
  const [a, b] = shown;

  const dialog = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    trapFocus(e, dialog.current);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if ((e.key === '+' || e.key === '=' || e.key === '-') && (e.target as HTMLElement).tagName !== 'INPUT') {
      e.preventDefault();
      setZoom((z) => clampZoom(z + (e.key === '-' ? -1 : 1)));
    }
  };

  return (
    <div class="detail-backdrop">
      <div
        ref={dialog}
        class="detail-view compare-view"
        role="dialog"
        aria-modal="true"
        aria-labelledby="compare-title"
        onKeyDown={onKeyDown}
      >
        <header class="detail-head">
          <h2 id="compare-title" ref={heading} tabIndex={-1} class="compare-title">
            Compare {shown.length} jobs
          </h2>
          <button
            type="button"
            class="icon-btn detail-close"
            aria-label="Close compare"
            title="Close (Esc)"
            onClick={onClose}
          >
            <CloseIcon />
          </button>
        </header>
        <div class="detail-tools">
          <ZoomControl zoom={zoom} onZoom={setZoom} />
          {two && (
            <fieldset class="compare-modes">
              <legend class="visually-hidden">How to compare</legend>
              {(
                [
                  ['side', 'Side by side'],
                  ['swipe', 'Swipe'],
                  ['onion', 'Onion skin'],
                ] as const
              ).map(([value, label]) => (
                <button
                  key={value}
                  type="button"
                  class="btn small"
                  aria-pressed={mode === value ? 'true' : 'false'}
                  onClick={() => setMode(value)}
                >
                  {label}
                </button>
              ))}
            </fieldset>
          )}
          {two && mode !== 'side' && (
            <label class="inline-field">
              {mode === 'swipe' ? 'Swipe position' : 'Opacity'}
              <input
                type="range"
                min={0}
                max={100}
                value={amount}
                onInput={(e) => setAmount(Number(e.currentTarget.value))}
              />
            </label>
          )}
        </div>
        {two && mode !== 'side' && a && b ? (
          <figure class="compare-cell compare-overlaid" data-testid="compare-overlay">
            <div class="pixel-stage">
              {a.image && b.image ? (
                <PixelStage
                  src={a.image}
                  alt={a.prompt}
                  width={a.width}
                  height={a.height}
                  zoom={zoom}
                  overlay={{ src: b.image, alt: b.prompt, width: b.width, height: b.height, mode, amount }}
                />
              ) : (
                <p class="stage-empty">Loading the images…</p>
              )}
            </div>
            <figcaption>
              {mode === 'swipe' ? 'Left of the line' : 'Under'}: {a.prompt} · {mode === 'swipe' ? 'right' : 'over'}:{' '}
              {b.prompt}
            </figcaption>
          </figure>
        ) : (
          <div class="compare-grid" data-count={shown.length}>
            {shown.map((item) => (
              <figure class="compare-cell" key={item.id} data-job-id={item.id}>
                <div class="pixel-stage">
                  {item.image ? (
                    <PixelStage
                      src={item.image}
                      alt={item.prompt}
                      width={item.width}
                      height={item.height}
                      zoom={zoom}
                    />
                  ) : (
                    <p class="stage-empty">No image.</p>
                  )}
                </div>
                <figcaption title={item.prompt}>
                  {item.prompt} <span class="compare-size">{`${item.width}×${item.height}`}</span>
                </figcaption>
              </figure>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
