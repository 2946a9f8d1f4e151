// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import { copyText, downloadJobPng, exportFilename, pngFilename } from '@/utils/panel/download';

const PNG_URL = bytesToPngDataUrl(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));

describe('file names', () => {
  it('names files', () => {
    expect(pngFilename({ id: 'job-1', prompt: 'Heroic knight, glowing sword!' })).toBe(
      'pixellab-job-1-heroic-knight-glowing-sword.png',
    );
    expect(exportFilename('csv', 'history', new Date('2025-01-02T03:04:05Z'))).toBe(
      'pixellab-history-2025-01-02T03-04-05.csv',
    );
    expect(exportFilename('csv', 'ledger', new Date('2025-01-02T03:04:05Z'))).toBe(
      'pixellab-ledger-2025-01-02T03-04-05.csv',
    );
  });
});

describe('panel helpers', () => {
  it('downloads a PNG through a link and refuses when the image is not loaded', () => {
    const clicked: string[] = [];
    const spy = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.download}|${this.href.slice(0, 22)}`);
    });
    expect(downloadJobPng({ id: 'job-1', prompt: 'knight' }, PNG_URL)).toBe(true);
    expect(downloadJobPng({ id: 'job-1', prompt: 'knight' }, undefined)).toBe(false);
    expect(clicked).toEqual(['pixellab-job-1-knight.png|data:image/png;base64,']);
    expect(document.querySelectorAll('a').length).toBe(0);
    spy.mockRestore();
  });

  it('copies text and explains a refusal', async () => {
    const writeText = vi.fn(async () => {});
    await copyText('hello', { writeText });
    expect(writeText).toHaveBeenCalledWith('hello');
    await expect(copyText('x', { writeText: async () => Promise.reject(new Error('denied')) })).rejects.toThrow(
      'denied',
    );
  });
});
