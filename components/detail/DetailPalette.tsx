import { useEffect, useState } from 'preact/hooks';
import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import type { Swatch } from '@/utils/export/palette';

export interface DetailPaletteProps {
  /** The image as a PNG data URL. */
  image: string;
  /** A swatch was clicked: list the jobs whose image holds this `#rrggbb`. */
  onFindColour(hex: string): void;
}

/** Swatches shown before "+N more": two rows at the narrow panel's width. */
const SHOWN = 48;

/** The palette code (UPNG and the palette module): loaded when a detail view first shows one, not on first paint. */
async function paletteOf(dataUrl: string): Promise<Swatch[]> {
  const [{ extractPalette }, { decodePng }] = await Promise.all([
    import('@/utils/export/palette'),
    import('@/utils/export/png'),
  ]);
  const bytes = pngDataUrlToBytes(dataUrl);
  return bytes ? extractPalette(decodePng(bytes)) : [];
}

/**
 * The image's exact colours, most used first, as swatches: clicking one filters the history to the jobs whose
 * image holds that colour (the colour index), the way a tag or a size narrows it.
 */
export function DetailPalette({ image, onFindColour }: DetailPaletteProps) {
  const [swatches, setSwatches] = useState<Swatch[] | null>(null);
  useEffect(() => {
    let live = true;
    setSwatches(null);
    paletteOf(image).then(
      (found) => live && setSwatches(found),
      () => live && setSwatches([]),
    );
    return () => {
      live = false;
    };
  }, [image]);

  if (!swatches || swatches.length === 0) return null;
  const more = swatches.length - SHOWN;
  return (
    <section class="detail-palette" aria-label="Colours">
      <h3 class="detail-palette-title">
        Colours <span class="palette-note">· {swatches.length} · click one to find jobs with it</span>
      </h3>
      <ul class="palette-swatches">
        {swatches.slice(0, SHOWN).map((s) => (
          <li key={s.hex}>
            <button
              type="button"
              class="palette-swatch"
              style={{ background: s.hex }}
              aria-label={`Find jobs with colour ${s.hex}`}
              title={`${s.hex} · ${s.count} px: find the jobs with this colour`}
              onClick={() => onFindColour(s.hex)}
            />
          </li>
        ))}
        {more > 0 && <li class="palette-more">+{more} more</li>}
      </ul>
    </section>
  );
}
