// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportDialog } from '@/components/export/ExportDialog';
import { atlasHashSchema } from '@/utils/export/atlas';
import type { ExportFile } from '@/utils/export/export-files';
import { decodeFrames, decodePng, encodePng, type Pixels } from '@/utils/export/png';

afterEach(cleanup);

/** A w x h sprite of one colour; the colour tells the frames apart once exported. */
function sprite(w: number, h: number, r: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i += 4) data.set([r, 80, 160, 255], i);
  return encodePng({ width: w, height: h, data } as Pixels);
}
const set: { id: string; prompt: string; label: string | null; png: Uint8Array }[] = [
  'south',
  'east',
  'north',
  'west',
].map((label, i) => ({
  id: `job-${i + 1}`,
  prompt: 'Knight',
  label,
  png: sprite(16, 16, 40 * (i + 1)),
}));

function setup(frames = set) {
  const saved: ExportFile[] = [];
  const onClose = vi.fn();
  render(<ExportDialog frames={frames} onClose={onClose} save={(f) => saved.push(f)} />);
  return { saved, onClose };
}

describe('ExportDialog', () => {
  it('saves a sprite sheet and its atlas in the order the user set, at the chosen scale', () => {
    const { saved } = setup();
    expect(screen.getByRole('dialog', { name: 'Export 4 images' })).toBeTruthy();
    expect((screen.getByRole('radio', { name: 'Sprite sheet' }) as HTMLInputElement).checked).toBe(true);
    // West first: moved up three times.
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getAllByRole('button', { name: /Move west earlier/ })[0]!);
    fireEvent.input(screen.getByLabelText('Columns'), { target: { value: '2' } });
    fireEvent.input(screen.getByLabelText('Scale (×)'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    expect(saved.map((f) => f.name)).toEqual(['knight_sheet.png', 'knight_sheet.json']);
    const atlas = atlasHashSchema.parse(JSON.parse(new TextDecoder().decode(saved[1]!.bytes)));
    expect(Object.keys(atlas.frames)).toEqual(['knight_west', 'knight_south', 'knight_east', 'knight_north']);
    const sheet = decodePng(saved[0]!.bytes);
    expect([sheet.width, sheet.height]).toEqual([64, 64]);
    // The first cell holds west's colour (its red is 160), scaled without blur.
    expect(sheet.data[0]).toBe(160);
  });

  it('saves an APNG at the frame time typed, and names a bad field instead of saving', () => {
    const { saved } = setup();
    fireEvent.click(screen.getByRole('radio', { name: 'APNG' }));
    fireEvent.input(screen.getByLabelText('Frame time (ms)'), { target: { value: '5' } });
    expect(screen.getByRole('alert').textContent).toMatch(/20 to 10,000/);
    expect((screen.getByRole('button', { name: 'Download' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.input(screen.getByLabelText('Frame time (ms)'), { target: { value: '250' } });
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.name).toBe('knight.apng');
    expect(decodeFrames(saved[0]!.bytes).delays).toEqual([250, 250, 250, 250]);
  });

  it('shows the palette of one image with counts, and saves it as .gpl', () => {
    const { saved } = setup([set[0]!]);
    expect((screen.getByRole('radio', { name: 'Palette' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole('list', { name: '1 colours' }).textContent).toContain('#2850a0');
    expect(screen.getByRole('list', { name: '1 colours' }).textContent).toContain('256');
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    expect(saved[0]!.name).toBe('knight.gpl');
    expect(new TextDecoder().decode(saved[0]!.bytes)).toMatch(/^GIMP Palette/);
  });

  it('an animation of different sizes says why, and Escape closes', () => {
    const { saved, onClose } = setup([set[0]!, { id: 'x', prompt: 'Tree', label: null, png: sprite(32, 32, 9) }]);
    fireEvent.click(screen.getByRole('radio', { name: 'GIF' }));
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    expect(screen.getByRole('alert').textContent).toMatch(/16x16 and 32x32 differ/);
    expect(saved).toHaveLength(0);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });
});
