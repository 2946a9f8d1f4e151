/**
 * Frame names for a sheet's atlas, from the prompt and each frame's label (a direction, a frame number): short,
 * lower-case, safe as file names and as keys in Godot and Phaser, and never the same twice.
 */
const MAX_STEM = 32;

/** "A Knight, in armour!" -> "a_knight_in_armour". */
export function slug(text: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return words.slice(0, MAX_STEM).replace(/_+$/, '') || 'sprite';
}

/** One name per frame: `<prompt>_<label>` (or `<prompt>_<n>`), with `_2`, `_3`… added where two would clash. */
export function frameNames(frames: readonly { prompt: string; label?: string | null }[]): string[] {
  const seen = new Map<string, number>();
  return frames.map((frame, i) => {
    const stem = `${slug(frame.prompt)}_${frame.label ? slug(frame.label) : String(i).padStart(2, '0')}`;
    const count = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, count);
    return count === 1 ? stem : `${stem}_${count}`;
  });
}
