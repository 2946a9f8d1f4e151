import { useRef, useState } from 'preact/hooks';
import type { ImageRef } from '@/components/form-values';
import { CloseIcon } from '@/components/icons';

/** The largest side a reference thumbnail takes in the form, in CSS pixels. */
export const THUMB_BOX = 40;

/** An integer zoom (or a whole-number shrink) that fits `side` pixels into a `box`: never blurred. */
export function thumbScale(side: number, box = THUMB_BOX): number {
  if (side <= 0) return 1;
  return side <= box ? Math.floor(box / side) : 1 / Math.ceil(side / box);
}

/** A small pixel-art image, sized to a whole zoom of its own pixels once it has loaded. */
export function PixelThumb({
  src,
  alt,
  box = THUMB_BOX,
  testId,
}: {
  src: string;
  alt: string;
  box?: number;
  testId?: string;
}) {
  const [natural, setNatural] = useState<{ src: string; width: number; height: number } | null>(null);
  const known = natural?.src === src ? natural : null;
  const scale = known ? thumbScale(Math.max(known.width, known.height), box) : 1;
  return (
    <img
      class="pixel-thumb"
      src={src}
      alt={alt}
      data-testid={testId}
      width={known ? Math.max(1, Math.round(known.width * scale)) : box}
      height={known ? Math.max(1, Math.round(known.height * scale)) : box}
      onLoad={(e) => {
        const img = e.currentTarget;
        if (img.naturalWidth > 0) setNatural({ src, width: img.naturalWidth, height: img.naturalHeight });
      }}
    />
  );
}

export interface ReferenceSlotProps {
  /** The option's wire name (`style_image`), for ids and tests. */
  field: string;
  label: string;
  value: ImageRef | null;
  /** Sets it from a file (absent: the slot only shows what a job chose). */
  onFile?(file: File): void;
  onRemove(): void;
  error?: string;
  hint?: string;
}

/** Pixels of a PNG from the user: read in the panel, stored by the background (the `putImage` intent). */
export function isPngFile(file: File): boolean {
  return file.type === 'image/png' || /\.png$/i.test(file.name);
}

/**
 * One image a generation option names: a small pixelated thumbnail with a remove button, or a button to choose a
 * PNG; a PNG dropped on the slot does the same.
 */
export function ReferenceSlot({ field, label, value, onFile, onRemove, error, hint }: ReferenceSlotProps) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const id = `gen-${field}`;
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer?.files?.[0];
    if (file && onFile) onFile(file);
  };
  return (
    <div
      class={`ref-slot${over ? ' drop-over' : ''}`}
      data-field={field}
      role="group"
      aria-labelledby={`${id}-label`}
      aria-describedby={error ? `${id}-error` : undefined}
      onDragOver={(e) => {
        if (!onFile) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <span class="ref-label" id={`${id}-label`}>
        {label}
      </span>
      <div class="ref-body">
        {value ? (
          <span class="ref-thumb" title={`${value.label} (${value.hash.slice(0, 8)}…)`}>
            {value.url ? (
              <PixelThumb src={value.url} alt={value.label} testId={`${field}-thumb`} />
            ) : (
              <code class="ref-hash">{value.hash.slice(0, 8)}</code>
            )}
            <button type="button" class="icon-btn ref-remove" aria-label={`Remove ${label}`} onClick={onRemove}>
              <CloseIcon />
            </button>
          </span>
        ) : (
          onFile && (
            <button type="button" class="btn small" onClick={() => input.current?.click()}>
              Choose PNG…
            </button>
          )
        )}
        {onFile && (
          <input
            ref={input}
            class="visually-hidden"
            type="file"
            accept="image/png"
            tabIndex={-1}
            aria-label={`${label}: a PNG file`}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) onFile(file);
            }}
          />
        )}
        {hint && !value && <span class="hint">{hint}</span>}
      </div>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
