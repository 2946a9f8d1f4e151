import type { ComponentChildren, JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { DetailActionBar } from '@/components/detail/DetailActionBar';
import { DetailPalette } from '@/components/detail/DetailPalette';
import { DetailParams } from '@/components/detail/DetailParams';
import { MaskPainter } from '@/components/detail/MaskPainter';
import { PixelStage } from '@/components/detail/PixelStage';
import { RatingControl } from '@/components/detail/RatingControl';
import type { DetailActions, JobLink, Rating } from '@/components/detail/types';
import { ZoomControl } from '@/components/detail/ZoomControl';
import { clampZoom, fitZoom } from '@/components/detail/zoom';
import { trapFocus, useInitialFocus } from '@/components/focus-trap';
import { CloseIcon } from '@/components/icons';
import type { Job } from '@/utils/domain/job';
import { pngFilename } from '@/utils/panel/download';
import type { IndexEntry } from '@/utils/storage/layout';

export interface DetailViewProps {
  entry: IndexEntry;
  job?: Job;
  /** PNG data URL of the result, once read. */
  image?: string;
  /** 0-based place in the list it was opened from, and that list's length. */
  index: number;
  count: number;
  onPrev(): void;
  onNext(): void;
  onClose(): void;
  onOpenJob(id: string): void;
  /** Opens compare with this job and its neighbour. */
  onCompare?(): void;
  source: JobLink | null;
  derived: readonly JobLink[];
  actions: DetailActions;
  /** Opens the Export dialog (sheet, animation, palette) for this job. */
  onExport?(): void;
  /** The direction set's compass, when the job is part of one. */
  compass?: ComponentChildren;
  /** The stage's box, to pick the first zoom (the largest that fits). */
  stageBox?: { width: number; height: number };
  /** A palette swatch was clicked: show the jobs whose image holds this `#rrggbb`; absent: no swatches. */
  onFindColour?(hex: string): void;
  /** The data URL of an image this browser holds (an option's image, shown in the parameters). */
  imageOf?(hash: string): string | undefined;
}

/** Keys that act inside the detail view; typing in a field is left alone. */
function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return (
    !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
  );
}

/**
 * One job, large: the image at an integer zoom over a checkerboard, every parameter, Prev/Next, and what can be
 * done with it. A modal dialog over the panel; Escape closes it.
 */
export function DetailView(props: DetailViewProps) {
  const { entry, job, image, index, count, actions, onPrev, onNext, onClose } = props;
  const id = entry.id;
  const width = job?.width ?? entry.width ?? 64;
  const height = job?.height ?? entry.height ?? 64;
  const frames = job?.frames?.count ?? 1;
  const box = props.stageBox ?? { width: Math.max(200, (globalThis.innerWidth || 400) - 40), height: 360 };
  const [zoom, setZoom] = useState(() => fitZoom(width * frames, height, box.width, box.height));
  const [grid, setGrid] = useState(false);
  /** The mask painter replaces the stage while an inpaint is being set up. */
  const [paintingFor, setPaintingFor] = useState<string | null>(null);
  const painting = paintingFor === id;
  const dialog = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const prompt = job?.prompt ?? entry.prompt;
  const starred = job?.starred ?? entry.starred ?? false;
  const rating = ((job?.rating ?? entry.rating ?? null) as Rating) || null;

  useInitialFocus(() => heading.current, { restore: false });

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    trapFocus(e, dialog.current);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    const act: Record<string, () => void> = {
      ArrowLeft: onPrev,
      ArrowRight: onNext,
      k: onPrev,
      j: onNext,
      '+': () => setZoom((z) => clampZoom(z + 1)),
      '=': () => setZoom((z) => clampZoom(z + 1)),
      '-': () => setZoom((z) => clampZoom(z - 1)),
      g: () => setGrid((g) => !g),
      s: () => actions.onStar(id, !starred),
    };
    if (/^[1-5]$/.test(e.key)) {
      const n = Number(e.key) as Exclude<Rating, null>;
      act[e.key] = () => actions.onRate(id, rating === n ? null : n);
    }
    const run = act[e.key];
    if (!run) return;
    e.preventDefault();
    e.stopPropagation();
    run();
  };

  return (
    <div class="detail-backdrop">
      <div
        ref={dialog}
        class="detail-view"
        role="dialog"
        aria-modal="true"
        aria-labelledby="detail-title"
        data-detail-id={id}
        onKeyDown={onKeyDown}
      >
        <header class="detail-head">
          <button type="button" class="btn small" onClick={onPrev} disabled={index <= 0} title="Previous job (←, k)">
            ‹ Prev
          </button>
          <span class="detail-pos" aria-live="polite">
            {index + 1} of {count}
          </span>
          <button
            type="button"
            class="btn small"
            onClick={onNext}
            disabled={index >= count - 1}
            title="Next job (→, j)"
          >
            Next ›
          </button>
          {props.onCompare && (
            <button type="button" class="btn small" onClick={props.onCompare} title="Compare with the next job">
              Compare…
            </button>
          )}
          <button
            type="button"
            class="icon-btn detail-close"
            aria-label="Close details"
            title="Close (Esc)"
            onClick={onClose}
          >
            <CloseIcon />
          </button>
        </header>
        <h2 id="detail-title" ref={heading} tabIndex={-1} class="detail-title" title={prompt}>
          {prompt || <em>(no prompt)</em>}
        </h2>
        <div class="detail-body">
          <section class="detail-stage-area" aria-label="Image">
            {painting && image && actions.onInpaint ? (
              <MaskPainter
                key={id}
                image={image}
                width={width}
                height={height}
                prompt={prompt}
                box={box}
                onCancel={() => setPaintingFor(null)}
                onInpaint={async (mask, text) => {
                  const done = await actions.onInpaint?.(id, mask, text);
                  if (done !== false) setPaintingFor(null);
                }}
              />
            ) : (
              <>
                <div class="detail-tools">
                  <ZoomControl zoom={zoom} onZoom={setZoom} />
                  <label class="check">
                    <input type="checkbox" checked={grid} onChange={(e) => setGrid(e.currentTarget.checked)} /> Pixel
                    grid
                  </label>
                </div>
                <div class="pixel-stage" data-testid="detail-stage">
                  {image ? (
                    <PixelStage
                      src={image}
                      alt={prompt}
                      width={width * frames}
                      height={height}
                      zoom={zoom}
                      grid={grid}
                      dragName={pngFilename({ id, prompt })}
                    />
                  ) : (
                    <p class="stage-empty">{job?.status === 'success' ? 'Loading the image…' : 'No image yet.'}</p>
                  )}
                </div>
              </>
            )}
          </section>
          <section class="detail-side" aria-label="Details">
            <RatingControl
              starred={starred}
              rating={rating}
              onStar={(v) => actions.onStar(id, v)}
              onRate={(v) => actions.onRate(id, v)}
            />
            <DetailActionBar
              id={id}
              job={job}
              hasImage={!!image}
              zoom={zoom}
              actions={actions}
              onPaintMask={actions.onInpaint && frames === 1 ? () => setPaintingFor(id) : undefined}
            />
            {props.onExport && (
              <button type="button" class="btn small detail-export" onClick={props.onExport}>
                Export sheet, GIF or palette…
              </button>
            )}
            {props.compass}
            {image && props.onFindColour && <DetailPalette image={image} onFindColour={props.onFindColour} />}
            <DetailParams
              entry={entry}
              job={job}
              source={props.source}
              derived={props.derived}
              onOpenJob={props.onOpenJob}
              imageOf={props.imageOf}
            />
          </section>
        </div>
      </div>
    </div>
  );
}
