/**
 * How big to draw a w x h sprite in a square box of `box` px without blurring it: up by the largest whole
 * factor that fits, or down by a whole divisor when it is larger than the box.
 */
export function thumbSize(width: number, height: number, box: number): { width: number; height: number } {
  const side = Math.max(width, height);
  if (!(side > 0) || !(box > 0)) return { width: box, height: box };
  const up = Math.floor(box / side);
  if (up >= 1) return { width: width * up, height: height * up };
  const down = Math.ceil(side / box);
  return { width: Math.max(1, Math.floor(width / down)), height: Math.max(1, Math.floor(height / down)) };
}
