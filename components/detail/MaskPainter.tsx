import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  emptyMask,
  invertMask,
  type Mask,
  maskPng,
  overlayPixels,
  paintedCount,
  paintLine,
  paintRect,
} from '@/components/detail/mask';
import { ZoomControl } from '@/components/detail/ZoomControl';
import { clampZoom, fitZoom, zoomedSize } from '@/components/detail/zoom';
import { MAX_PROMPT_LENGTH } from '@/utils/domain/job';
import { sizeProblem } from '@/utils/domain/sizes';

export interface MaskPainterProps {
  /** The job's image (PNG data URL) and its size in pixels. */
  image: string;
  width: number;
  height: number;
  /** The prompt the inpaint starts with (the job's). */
  prompt: string;
  /** The stage's box, to pick the first zoom. */
  box: { width: number; height: number };
  /** Queues the inpaint: the mask as PNG bytes (white = repaint) and what to paint there. */
  onInpaint(mask: Uint8Array, prompt: string): unknown;
  onCancel(): void;
}

type Tool = 'brush' | 'eraser' | 'rect';
const TOOLS: [Tool, string][] = [
  ['brush', 'Brush'],
  ['eraser', 'Eraser'],
  ['rect', 'Rectangle'],
];
const BRUSH_SIZES = [1, 2, 3, 4, 6, 8] as const;

/**
 * Paints the part of a job's image PixelLab should repaint: brush, eraser and rectangle over the image at a whole
 * zoom, clear and invert; then the inpaint is queued with the painted mask.
 */
export function MaskPainter({
  image,
  width,
  height,
  prompt: initialPrompt,
  box,
  onInpaint,
  onCancel,
}: MaskPainterProps) {
  const [mask, setMask] = useState<Mask>(() => emptyMask(width, height));
  const [tool, setTool] = useState<Tool>('brush');
  const [brush, setBrush] = useState(2);
  const [zoom, setZoom] = useState(() => fitZoom(width, height, box.width, box.height));
  const [prompt, setPrompt] = useState(initialPrompt);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The stroke in progress: where it started (the rectangle's corner), the mask before it, the last pixel. */
  const stroke = useRef<{ start: { x: number; y: number }; before: Mask; last: { x: number; y: number } } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const size = zoomedSize(width, height, zoom);
  const sizeError = sizeProblem('inpaint', width, height);
  const painted = paintedCount(mask);

  useEffect(() => {
    const ctx = canvas.current?.getContext?.('2d');
    // No 2D context (a test DOM): the mask still paints; only its overlay is not drawn.
    if (!ctx || typeof ImageData === 'undefined') return;
    ctx.putImageData(new ImageData(overlayPixels(mask), width, height), 0, 0);
  }, [mask, width, height]);

  const pixelAt = (e: PointerEvent) => {
    const rect = canvas.current?.getBoundingClientRect();
    const x = Math.floor((e.clientX - (rect?.left ?? 0)) / zoom);
    const y = Math.floor((e.clientY - (rect?.top ?? 0)) / zoom);
    return { x: Math.min(width - 1, Math.max(0, x)), y: Math.min(height - 1, Math.max(0, y)) };
  };
  const apply = (
    before: Mask,
    start: { x: number; y: number },
    from: { x: number; y: number },
    at: { x: number; y: number },
    current: Mask,
  ) =>
    tool === 'rect'
      ? paintRect(before, start.x, start.y, at.x, at.y, 1)
      : paintLine(current, from, at, brush, tool === 'brush' ? 1 : 0);

  const onDown = (e: JSX.TargetedPointerEvent<HTMLCanvasElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    const at = pixelAt(e);
    stroke.current = { start: at, before: mask, last: at };
    setMask(apply(mask, at, at, at, mask));
  };
  const onMove = (e: JSX.TargetedPointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s) return;
    const at = pixelAt(e);
    if (at.x === s.last.x && at.y === s.last.y) return;
    setMask((current) => apply(s.before, s.start, s.last, at, current));
    s.last = at;
  };
  const onUp = () => {
    stroke.current = null;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!prompt.trim()) return setError('Say what to paint in the masked part.');
    if (painted === 0) return setError('Paint the part to repaint first.');
    setError(null);
    setBusy(true);
    try {
      await onInpaint(maskPng(mask), prompt.trim());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="mask-painter" aria-label="Inpaint mask" noValidate onSubmit={(e) => void submit(e)}>
      <div class="detail-tools mask-tools">
        <div class="seg" role="group" aria-label="Mask tool">
          {TOOLS.map(([id, label]) => (
            <button
              key={id}
              type="button"
              class="btn small"
              aria-pressed={tool === id ? 'true' : 'false'}
              onClick={() => setTool(id)}
            >
              {label}
            </button>
          ))}
        </div>
        <label class="inline-field">
          Brush
          <select
            value={String(brush)}
            disabled={tool === 'rect'}
            onChange={(e) => setBrush(Number(e.currentTarget.value))}
          >
            {BRUSH_SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
        <ZoomControl zoom={zoom} onZoom={(z) => setZoom(clampZoom(z))} />
        <button type="button" class="btn small" onClick={() => setMask(emptyMask(width, height))}>
          Clear
        </button>
        <button type="button" class="btn small" onClick={() => setMask(invertMask(mask))}>
          Invert
        </button>
      </div>
      <div class="pixel-stage mask-stage">
        <div class="pixel-canvas" style={{ width: `${size.width}px`, height: `${size.height}px` }}>
          <img
            src={image}
            alt={initialPrompt || 'The job to repaint'}
            width={size.width}
            height={size.height}
            draggable={false}
          />
          <canvas
            ref={canvas}
            class="mask-overlay"
            data-testid="mask-canvas"
            aria-label={`Mask: ${painted} of ${width * height} pixels to repaint`}
            width={width}
            height={height}
            style={{ width: `${size.width}px`, height: `${size.height}px` }}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerCancel={onUp}
          />
        </div>
      </div>
      <p class="hint" aria-live="polite">
        {painted === 0 ? 'Paint over the part PixelLab should redraw.' : `${painted} pixels to repaint.`}
      </p>
      <div class="field">
        <label for="inpaint-prompt">What to paint there</label>
        <textarea
          id="inpaint-prompt"
          rows={2}
          maxLength={MAX_PROMPT_LENGTH}
          value={prompt}
          onInput={(e) => setPrompt(e.currentTarget.value)}
        />
      </div>
      {(sizeError || error) && (
        <p class="field-error" role="alert">
          {sizeError ? `This image is ${width}×${height}: inpaint ${sizeError}.` : error}
        </p>
      )}
      <div class="action-line">
        <button
          type="submit"
          class="btn small primary"
          disabled={busy || !!sizeError}
          aria-busy={busy ? 'true' : undefined}
        >
          Queue inpaint
        </button>
        <button type="button" class="btn small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
