import { describe, expect, it, vi } from 'vitest';
import { decodePng, encodePng } from '@/utils/export/png';
import { copyPng, dataUrlBytes, scaledFilename, scaledPngBlob } from '@/utils/panel/scaled-image';

/** A 2x1 PNG: one red pixel, one transparent. */
function twoPixels(): string {
  const png = encodePng({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0]) });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

describe('scaled images', () => {
  it('scales a data URL up by a whole number with nearest neighbour, as a PNG blob', async () => {
    const blob = await scaledPngBlob(twoPixels(), 3);
    expect(blob.type).toBe('image/png');
    const pixels = decodePng(new Uint8Array(await blob.arrayBuffer()));
    expect([pixels.width, pixels.height]).toEqual([6, 3]);
    // Each source pixel is a 3x3 block, exactly: red on the left, transparent on the right.
    expect([...pixels.data.slice(0, 4)]).toEqual([255, 0, 0, 255]);
    expect([...pixels.data.slice(8, 12)]).toEqual([255, 0, 0, 255]);
    expect([...pixels.data.slice(12, 16)]).toEqual([0, 0, 0, 0]);
    await expect(scaledPngBlob(twoPixels(), 9)).rejects.toThrow(/Scale is 1 to 8x/);
  });

  it('refuses what is not a PNG data URL', () => {
    expect(() => dataUrlBytes('https://example.invalid/x.png')).toThrow(/not a PNG data URL/);
    expect(() => dataUrlBytes('data:image/png;base64,aGVsbG8=')).toThrow(/not a PNG data URL/);
  });

  it('names the file with its scale', () => {
    expect(scaledFilename({ id: 'job-7', prompt: 'a knight' }, 4)).toBe('pixellab-job-7-a-knight@4x.png');
    expect(scaledFilename({ id: 'job-7', prompt: 'a knight' }, 1)).toBe('pixellab-job-7-a-knight.png');
  });

  it('puts the PNG on the clipboard as a ClipboardItem, and says so when it cannot', async () => {
    class Item {
      constructor(readonly items: Record<string, Blob>) {}
    }
    const write = vi.fn(async () => {});
    const blob = new Blob([new Uint8Array([1])], { type: 'image/png' });
    await copyPng(blob, { write }, Item as unknown as typeof ClipboardItem);
    expect((write.mock.calls[0] as unknown as [Item[]])[0][0]!.items).toEqual({ 'image/png': blob });
    await expect(copyPng(blob, undefined, undefined)).rejects.toThrow(/not available/);
    const refusing = { write: async () => Promise.reject(new Error('Document is not focused')) };
    await expect(copyPng(blob, refusing, Item as unknown as typeof ClipboardItem)).rejects.toThrow(
      'Could not copy the image: Document is not focused',
    );
  });
});
