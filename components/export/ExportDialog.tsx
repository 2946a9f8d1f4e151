import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { trapFocus, useInitialFocus } from '@/components/focus-trap';
import { formatCount } from '@/components/format';
import { errorMessage } from '@/utils/domain/error-message';
import {
  type ExportFile,
  type ExportFrame,
  type ExportRequest,
  exportFiles,
  exportRequestSchema,
  paletteOf,
} from '@/utils/export/export-files';
import { downloadBlob } from '@/utils/panel/download';
import '@/components/export/export.css';

export interface ExportDialogProps {
  /** The pictures, in the order they were chosen (a direction set: south first, clockwise). */
  frames: readonly (ExportFrame & { id: string })[];
  onClose(): void;
  /** Saves one file; the page's download by default (tests pass their own). */
  save?(file: ExportFile): void;
}

type Kind = ExportRequest['kind'];
const KINDS: Array<[Kind, string]> = [
  ['sheet', 'Sprite sheet'],
  ['gif', 'GIF'],
  ['apng', 'APNG'],
  ['palette', 'Palette'],
];
/** Pixels a preview may hold: past this the dialog still exports, it only stops drawing the preview. */
const PREVIEW_PIXELS = 4_000_000;

const saveByDownload = (file: ExportFile) =>
  downloadBlob(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }), file.name);

/**
 * Export one picture or many (a selection, a direction set): a sprite sheet with its atlas, an animated GIF or
 * APNG, or the palette. The order of the frames is the user's; what it will save is previewed at 1:1, pixelated.
 */
export function ExportDialog({ frames: chosen, onClose, save = saveByDownload }: ExportDialogProps) {
  const [order, setOrder] = useState(() => chosen.map((_, i) => i));
  const [kind, setKind] = useState<Kind>(chosen.length > 1 ? 'sheet' : 'palette');
  const [fields, setFields] = useState({
    columns: String(Math.min(chosen.length, 8)),
    padding: '0',
    scale: '1',
    layout: 'hash',
    frameMs: '120',
    format: 'gpl',
  });
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const frames = order.map((i) => chosen[i]!);

  useInitialFocus(() => dialog.current?.querySelector<HTMLElement>('input:checked'));

  const request = useMemo(() => {
    const n = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));
    const raw =
      kind === 'sheet'
        ? {
            kind,
            columns: n(fields.columns),
            padding: n(fields.padding),
            scale: n(fields.scale),
            layout: fields.layout,
            frameMs: frames.length > 1 ? n(fields.frameMs) : null,
          }
        : kind === 'palette'
          ? { kind, format: fields.format }
          : { kind, scale: n(fields.scale), frameMs: n(fields.frameMs) };
    const parsed = exportRequestSchema.safeParse(raw);
    return parsed.success
      ? { ok: true as const, value: parsed.data }
      : { ok: false as const, message: fieldMessage(parsed.error.issues[0]?.path[0]) };
  }, [kind, fields, frames.length]);

  const swatches = useMemo(() => (kind === 'palette' ? paletteOf(frames) : []), [kind, frames]);
  const preview = usePreview(request.ok ? request.value : null, frames);

  const download = () => {
    if (!request.ok) return setError(request.message);
    try {
      for (const file of exportFiles(request.value, frames)) save(file);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const move = (at: number, by: number) =>
    setOrder((o) => {
      const next = [...o];
      [next[at], next[at + by]] = [next[at + by]!, next[at]!];
      return next;
    });
  const field = (name: keyof typeof fields) => ({
    value: fields[name],
    onInput: (e: JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement>) =>
      setFields((f) => ({ ...f, [name]: e.currentTarget.value })),
  });
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    } else trapFocus(e, dialog.current);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside is a mouse shortcut; Escape and Close are the keyboard's way out.
    // biome-ignore lint/a11y/useKeyWithClickEvents: as above.
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        class="dialog export-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="export-title"
        onKeyDown={onKeyDown}
      >
        <h2 id="export-title">Export {frames.length === 1 ? 'one image' : `${formatCount(frames.length)} images`}</h2>
        <fieldset class="export-kinds">
          <legend>Export as</legend>
          {KINDS.map(([value, label]) => (
            <label key={value} class="chip">
              <input
                type="radio"
                name="export-kind"
                value={value}
                checked={kind === value}
                onChange={() => setKind(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>

        {kind !== 'palette' && frames.length > 1 && (
          <ol class="export-order" aria-label="Frame order">
            {frames.map((f, i) => (
              <li key={chosen.indexOf(f)}>
                <img src={pngUrl(f.png)} alt="" class="export-thumb" />
                <span class="export-frame-name">{f.label ?? f.prompt}</span>
                <button
                  type="button"
                  class="btn icon-btn"
                  disabled={i === 0}
                  aria-label={`Move ${f.label ?? `frame ${i + 1}`} earlier`}
                  title="Earlier"
                  onClick={() => move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="btn icon-btn"
                  disabled={i === frames.length - 1}
                  aria-label={`Move ${f.label ?? `frame ${i + 1}`} later`}
                  title="Later"
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
              </li>
            ))}
          </ol>
        )}

        <div class="export-fields">
          {kind === 'sheet' && (
            <>
              <NumberField id="export-columns" label="Columns" min={1} max={64} {...field('columns')} />
              <NumberField id="export-padding" label="Padding (px)" min={0} max={64} {...field('padding')} />
              <label class="field">
                <span>Atlas JSON</span>
                <select {...field('layout')}>
                  <option value="hash">Hash (Phaser, Godot)</option>
                  <option value="array">Array (TexturePacker)</option>
                </select>
              </label>
            </>
          )}
          {kind !== 'palette' && (
            <NumberField id="export-scale" label="Scale (×)" min={1} max={8} {...field('scale')} />
          )}
          {kind !== 'palette' && (kind !== 'sheet' || frames.length > 1) && (
            <NumberField id="export-frame-ms" label="Frame time (ms)" min={20} max={10000} {...field('frameMs')} />
          )}
          {kind === 'palette' && (
            <label class="field">
              <span>Palette file</span>
              <select {...field('format')}>
                <option value="gpl">.gpl (GIMP, Aseprite)</option>
                <option value="hex">.hex (Lospec)</option>
                <option value="png">1×N PNG</option>
              </select>
            </label>
          )}
        </div>

        {kind === 'palette' ? (
          <ul class="export-swatches" aria-label={`${swatches.length} colours`}>
            {swatches.slice(0, 64).map((s) => (
              <li key={s.hex} title={`${s.hex}: ${formatCount(s.count)} pixels`}>
                <span class="swatch" style={{ background: s.hex }} />
                <code>{s.hex}</code> <span class="swatch-count">{formatCount(s.count)}</span>
              </li>
            ))}
          </ul>
        ) : (
          preview && (
            <figure class="export-preview checkerboard">
              <img
                src={preview.url}
                alt={`Preview of the ${preview.name}`}
                width={preview.width}
                height={preview.height}
              />
              <figcaption>
                {preview.name}, {preview.width}×{preview.height}
              </figcaption>
            </figure>
          )
        )}

        {(error ?? (request.ok ? null : request.message)) && (
          <p class="field-error" role="alert">
            {error ?? (request.ok ? null : request.message)}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            Close
          </button>
          <button type="button" class="btn primary" disabled={!request.ok} onClick={download}>
            Download
          </button>
        </div>
      </div>
    </div>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  min: number;
  max: number;
  value: string;
  onInput(e: JSX.TargetedEvent<HTMLInputElement>): void;
}) {
  return (
    <span class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        inputMode="numeric"
        min={props.min}
        max={props.max}
        step={1}
        value={props.value}
        onInput={props.onInput}
      />
    </span>
  );
}

const MESSAGES: Record<string, string> = {
  columns: 'Columns is a whole number from 1 to 64.',
  padding: 'Padding is a whole number from 0 to 64.',
  scale: 'Scale is a whole number from 1 to 8.',
  frameMs: 'Frame time is a whole number of ms from 20 to 10,000.',
};
const fieldMessage = (key: PropertyKey | undefined) => MESSAGES[String(key)] ?? 'Check the export options.';

const urls = new WeakMap<Uint8Array, string>();
/** A blob URL per PNG, made once: thumbnails of the order list. */
function pngUrl(png: Uint8Array): string {
  let url = urls.get(png);
  if (!url) {
    url = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    urls.set(png, url);
  }
  return url;
}

/** What Download would save first (the sheet, the animation), as an image URL, while it stays small to make. */
function usePreview(request: ExportRequest | null, frames: readonly ExportFrame[]) {
  const preview = useMemo(() => {
    if (!request || request.kind === 'palette') return null;
    const area = frames.reduce((n, f) => n + pixelsOf(f.png), 0) * request.scale ** 2;
    if (area > PREVIEW_PIXELS) return null;
    try {
      const [file] = exportFiles(request, frames);
      if (!file) return null;
      const url = URL.createObjectURL(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }));
      const { width, height } = sizeOf(file.bytes);
      return { url, name: file.name, width, height };
    } catch {
      return null;
    }
  }, [request, frames]);
  useEffect(() => () => preview && URL.revokeObjectURL(preview.url), [preview]);
  return preview;
}

/** Width and height from a PNG's IHDR or a GIF's screen descriptor, without decoding it. */
function sizeOf(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x47) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
const pixelsOf = (png: Uint8Array) => {
  const { width, height } = sizeOf(png);
  return width * height;
};
