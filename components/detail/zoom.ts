/** Whole-number zooms only: a pixel becomes an exact block of screen pixels, never a blurred fraction. */
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;
export const ZOOMS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

/** Clamps to 1..8 and rounds down, so a zoom is always an integer. */
export function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom)) return MIN_ZOOM;
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.floor(zoom)));
}

/** The largest integer zoom at which a width x height image fits the box (at least 1x: it scrolls then). */
export function fitZoom(width: number, height: number, boxWidth: number, boxHeight: number): number {
  if (width <= 0 || height <= 0) return MIN_ZOOM;
  return clampZoom(Math.min(boxWidth / width, boxHeight / height));
}

/** The on-screen size at a zoom: exact integer multiples of the source size. */
export function zoomedSize(width: number, height: number, zoom: number): { width: number; height: number } {
  const z = clampZoom(zoom);
  return { width: Math.round(width) * z, height: Math.round(height) * z };
}
