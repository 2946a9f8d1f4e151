// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MaskPainter } from '@/components/detail/MaskPainter';
import { makeSprite } from '@/tests/fixtures/png';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import { decodePng } from '@/utils/export/png';

/** The inpaint mask painter: strokes at a whole zoom become PixelLab's mask PNG, white where it repaints. */
afterEach(cleanup);

const IMAGE = bytesToPngDataUrl(makeSprite(16, 16, 'to repaint'));
// A 16x16 image in a 64x64 box: zoom 4, so screen pixel (4x, 4y) is image pixel (x, y) (the test DOM's box is at 0,0).
const BOX = { width: 64, height: 64 };

function setup(width = 16, height = 16) {
  const onInpaint = vi.fn();
  const onCancel = vi.fn();
  render(
    <MaskPainter
      image={IMAGE}
      width={width}
      height={height}
      prompt="a knight"
      box={BOX}
      onInpaint={onInpaint}
      onCancel={onCancel}
    />,
  );
  return { onInpaint, onCancel, canvas: screen.getByTestId('mask-canvas') };
}

const at = (x: number, y: number) => ({ clientX: x * 4 + 1, clientY: y * 4 + 1, pointerId: 1 });

/** The painted pixels of the mask PNG PixelLab would get, as "x,y"; every pixel must be pure black or white. */
function whitePixels(png: Uint8Array): string[] {
  const { width, height, data } = decodePng(png);
  const out: string[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4);
      expect(a).toBe(255);
      expect([0, 255]).toContain(r);
      expect(g).toBe(r);
      expect(b).toBe(r);
      if (r === 255) out.push(`${x},${y}`);
    }
  return out;
}

async function submitted(onInpaint: ReturnType<typeof vi.fn>): Promise<Uint8Array> {
  fireEvent.click(screen.getByRole('button', { name: 'Queue inpaint' }));
  await waitFor(() => expect(onInpaint).toHaveBeenCalled());
  const [png, prompt] = onInpaint.mock.calls.at(-1)!;
  expect(prompt).toBe('a knight');
  return png as Uint8Array;
}

describe('MaskPainter', () => {
  it('a brush stroke paints the pixels it crosses, with no gaps, at the image’s own size', async () => {
    const { onInpaint, canvas } = setup();
    fireEvent.change(screen.getByLabelText('Brush'), { target: { value: '1' } });
    fireEvent.pointerDown(canvas, at(1, 2));
    // A fast drag: the pointer skips from x 1 to x 5; the pixels between are painted too.
    fireEvent.pointerMove(canvas, at(5, 2));
    fireEvent.pointerUp(canvas, at(5, 2));
    // After the stroke, moving the pointer paints nothing.
    fireEvent.pointerMove(canvas, at(10, 6));
    expect(screen.getByText('5 pixels to repaint.')).toBeTruthy();
    const png = await submitted(onInpaint);
    expect(decodePng(png)).toMatchObject({ width: 16, height: 16 });
    expect(whitePixels(png)).toEqual(['1,2', '2,2', '3,2', '4,2', '5,2']);
  });

  it('the rectangle fills from corner to corner; the eraser takes pixels out; invert and clear', async () => {
    const { onInpaint, canvas } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Rectangle' }));
    fireEvent.pointerDown(canvas, at(5, 4));
    fireEvent.pointerMove(canvas, at(40, 40)); // beyond the image: clipped to its edge
    fireEvent.pointerMove(canvas, at(2, 6)); // the rectangle follows the pointer, it does not grow a trail
    fireEvent.pointerUp(canvas, at(2, 6));
    expect(screen.getByText('12 pixels to repaint.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Eraser' }));
    fireEvent.change(screen.getByLabelText('Brush'), { target: { value: '1' } });
    fireEvent.pointerDown(canvas, at(3, 5));
    fireEvent.pointerUp(canvas, at(3, 5));
    const rect = ['2,4', '3,4', '4,4', '5,4', '2,5', '4,5', '5,5', '2,6', '3,6', '4,6', '5,6'];
    expect(whitePixels(await submitted(onInpaint))).toEqual(rect);

    fireEvent.click(screen.getByRole('button', { name: 'Invert' }));
    const inverted = whitePixels(await submitted(onInpaint));
    expect(inverted).toHaveLength(16 * 16 - rect.length);
    expect(inverted).toContain('3,5');
    expect(inverted.some((p) => rect.includes(p))).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    const calls = onInpaint.mock.calls.length;
    fireEvent.click(screen.getByRole('button', { name: 'Queue inpaint' }));
    expect(await screen.findByText('Paint the part to repaint first.')).toBeTruthy();
    expect(onInpaint).toHaveBeenCalledTimes(calls);
  });

  it('a 2 px brush paints a 2×2 block; zoom changes what a screen pixel means', async () => {
    const { onInpaint, canvas } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Zoom 3×' }));
    // Zoom 3 now: screen x 10 is image pixel 3.
    fireEvent.pointerDown(canvas, { clientX: 10, clientY: 10, pointerId: 1 });
    fireEvent.pointerUp(canvas, { clientX: 10, clientY: 10, pointerId: 1 });
    expect(whitePixels(await submitted(onInpaint))).toEqual(['3,3', '4,3', '3,4', '4,4']);
  });

  it('an image larger than inpaint takes says so and cannot be queued', () => {
    const { onInpaint } = setup(256, 64);
    expect(screen.getByRole('alert').textContent).toBe(
      'This image is 256×64: inpaint must be from 16 to 200 pixels for Inpaint.',
    );
    expect((screen.getByRole('button', { name: 'Queue inpaint' }) as HTMLButtonElement).disabled).toBe(true);
    expect(onInpaint).not.toHaveBeenCalled();
  });
});
