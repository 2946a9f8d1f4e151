/**
 * Colours for plot series: the Okabe-Ito palette, which people with every common colour-vision deficiency can
 * tell apart, in an order where neighbours also differ in lightness. Known keys keep their colour in every plot;
 * a new kind or status takes the next unused one.
 */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];

const FIXED: Record<string, string> = {
  // Kinds.
  generate: '#0072B2',
  rotate: '#E69F00',
  animate: '#CC79A7',
  // Statuses: done and failed as far apart as the palette goes.
  success: '#009E73',
  error: '#D55E00',
  cancelled: '#999999',
  idle: '#56B4E9',
  queued: '#F0E442',
  running: '#CC79A7',
};

/** A colour for each key, stable for known keys, distinct within the list. */
export function colorsFor(keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const key of keys) {
    const fixed = FIXED[key];
    if (fixed && !used.has(fixed)) {
      out[key] = fixed;
      used.add(fixed);
    }
  }
  for (const key of keys) {
    if (out[key]) continue;
    const free = OKABE_ITO.find((c) => !used.has(c)) ?? OKABE_ITO[Object.keys(out).length % OKABE_ITO.length]!;
    out[key] = free;
    used.add(free);
  }
  return out;
}
