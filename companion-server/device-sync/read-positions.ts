import type { ReadPosition } from '../store/device-sync-state';

/** Lines above `upTo` remembered one by one; past this many, the oldest gap is given up as never coming. */
const MAX_ABOVE = 50_000;

export const noPosition = (): ReadPosition => ({ upTo: 0, max: 0, above: [] });

/**
 * A device's read position after merging its lines `ns` (log objects arrive out of order, so lines above a gap
 * are remembered until the gap fills) and, for a complete snapshot, every line up to `through`.
 */
export function advance(position: ReadPosition, ns: Iterable<number>, through = 0): ReadPosition {
  let upTo = Math.max(position.upTo, through);
  let max = Math.max(position.max, upTo);
  const above = new Set(position.above.filter((n) => n > upTo));
  for (const n of ns) {
    if (n > upTo) above.add(n);
    if (n > max) max = n;
  }
  while (above.has(upTo + 1)) above.delete(++upTo);
  let rest = [...above].sort((a, b) => a - b);
  // Bounded: a hostile or broken device could leave endless gaps. Being behind only delays image deletion.
  if (rest.length > MAX_ABOVE) rest = rest.slice(rest.length - MAX_ABOVE);
  return { upTo, max, above: rest };
}
