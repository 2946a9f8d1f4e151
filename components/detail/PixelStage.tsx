import { useState } from 'preact/hooks';
import { zoomedSize } from '@/components/detail/zoom';

export interface PixelStageProps {
  src: string;
  alt: string;
  /** Source size in pixels, until the image has loaded and says its own. */
  width: number;
  height: number;
  zoom: number;
  /** Lines between source pixels (useful from 4x). */
  grid?: boolean;
  /** A file name: the image can then be dragged out of the panel into a folder or another app, as that PNG. */
  dragName?: string;
  /** Draws another image over this one (compare's swipe and onion-skin). */
  overlay?: { src: string; alt: string; width: number; height: number; mode: 'swipe' | 'onion'; amount: number };
}

/**
 * One image at an integer nearest-neighbour zoom over a checkerboard: the <img> is sized to exact multiples of
 * its pixels and drawn with `image-rendering: pixelated`, so pixel art stays crisp at every zoom.
 */
export function PixelStage({ src, alt, width, height, zoom, grid = false, overlay, dragName }: PixelStageProps) {
  const [natural, setNatural] = useState<{ src: string; width: number; height: number } | null>(null);
  const known = natural?.src === src ? natural : { width, height };
  const size = zoomedSize(known.width, known.height, zoom);
  const box = { width: `${size.width}px`, height: `${size.height}px` };
  const over = overlay ? zoomedSize(overlay.width, overlay.height, zoom) : size;
  // Swipe shows the top image right of a line at `amount`% of the base image's width; onion-skin fades it.
  const cut = Math.min(over.width, Math.round((size.width * (overlay?.amount ?? 0)) / 100));
  const overlayStyle =
    overlay?.mode === 'swipe'
      ? { clipPath: `inset(0 0 0 ${cut}px)` }
      : { opacity: String((overlay?.amount ?? 0) / 100) };
  return (
    <div class="pixel-canvas" style={{ ...box, '--px': `${Math.max(1, Math.round(size.width / known.width))}px` }}>
      <img
        src={src}
        alt={alt}
        width={size.width}
        height={size.height}
        draggable={!!dragName}
        title={dragName ? 'Drag out to save the PNG' : undefined}
        onDragStart={(e) => {
          if (!dragName || !e.dataTransfer) return;
          // Chromium saves a DownloadURL drag ("mime:name:url") as a file where it is dropped; others take the URL.
          e.dataTransfer.setData('DownloadURL', `image/png:${dragName}:${src}`);
          e.dataTransfer.setData('text/uri-list', src);
          e.dataTransfer.effectAllowed = 'copy';
        }}
        onLoad={(e) => {
          const img = e.currentTarget;
          if (img.naturalWidth > 0) setNatural({ src, width: img.naturalWidth, height: img.naturalHeight });
        }}
      />
      {overlay && (
        <img
          class="pixel-overlay"
          src={overlay.src}
          alt={overlay.alt}
          width={over.width}
          height={over.height}
          style={overlayStyle}
          draggable={false}
        />
      )}
      {grid && <div class="pixel-grid" aria-hidden="true" data-testid="pixel-grid" />}
    </div>
  );
}
