// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DetailSlot } from '@/components/detail/DetailSlot';
import type { DetailActions } from '@/components/detail/types';
import { formatCost } from '@/components/format';
import type { Job } from '@/utils/domain/job';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function job(n: number, overrides: Partial<Job> = {}): Job {
  return {
    id: `job-${n}`,
    kind: 'generate',
    prompt: `prompt ${n}`,
    width: 48,
    height: 40,
    seed: 7,
    status: 'success',
    error: null,
    image: n.toString(16).padStart(64, '0'),
    rotate: null,
    groupId: null,
    startTime: 1_700_000_000_000,
    endTime: 1_700_000_003_000,
    duration: 3,
    createdAt: 1_700_000_000_000 - n,
    updatedAt: 1,
    deleted: false,
    usd: 0.0125,
    options: { mode: 'pixflux', no_background: true, outline: 'selective outline', shading: null },
    ...overrides,
  } as Job;
}

function actionsMock(): DetailActions {
  return {
    onReuse: vi.fn(),
    onCopyPrompt: vi.fn(),
    onCopyImage: vi.fn(),
    onDownload: vi.fn(),
    onRotate: vi.fn(),
    onRotate8: vi.fn(),
    onRetry: vi.fn(),
    onDelete: vi.fn(),
    onStar: vi.fn(),
    onRate: vi.fn(),
  };
}

function setup(
  jobs: Job[],
  id: string,
  extra: { onCompare?: (ids: string[]) => void; actions?: Partial<DetailActions> } = {},
) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const rows: IndexEntry[] = jobs.map((j) => ({
    id: j.id,
    createdAt: j.createdAt,
    status: j.status,
    prompt: j.prompt,
    ...(j.starred ? { starred: true as const } : {}),
  }));
  const data = {
    getJob: (jid: string) => byId.get(jid),
    getImage: (hash: string | null | undefined) => (hash ? PNG : undefined),
    ensureRows: vi.fn(async () => {}),
  };
  const actions = { ...actionsMock(), ...extra.actions };
  const onOpen = vi.fn();
  const onClose = vi.fn();
  const view = render(
    <DetailSlot
      id={id}
      rows={rows}
      entries={rows}
      data={data}
      actions={actions}
      onOpen={onOpen}
      onClose={onClose}
      onCompare={extra.onCompare}
    />,
  );
  const rerender = (next: string) =>
    view.rerender(
      <DetailSlot
        id={next}
        rows={rows}
        entries={rows}
        data={data}
        actions={actions}
        onOpen={onOpen}
        onClose={onClose}
      />,
    );
  return { actions, onOpen, onClose, data, rerender, dialog: screen.getByRole('dialog') };
}

describe('DetailView', () => {
  it('the image drags out of the panel as its PNG file (DownloadURL), named like a download', () => {
    const { dialog } = setup([job(1)], 'job-1');
    const img = within(dialog).getByAltText('prompt 1');
    expect(img.getAttribute('draggable')).toBe('true');
    const data = new Map<string, string>();
    const dataTransfer = { setData: (type: string, value: string) => data.set(type, value), effectAllowed: '' };
    fireEvent.dragStart(img, { dataTransfer });
    expect(data.get('DownloadURL')).toBe(`image/png:pixellab-job-1-prompt-1.png:${PNG}`);
    expect(data.get('text/uri-list')).toBe(PNG);
  });

  it('shows the image at whole-number zooms over a checkerboard, with a pixel grid on demand', () => {
    const { dialog, data } = setup([job(1), job(2)], 'job-1');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(screen.getByRole('heading', { name: 'prompt 1' })).toBe(document.activeElement);
    expect(data.ensureRows).toHaveBeenCalledWith(['job-1', 'job-2']);
    const img = within(dialog).getByAltText('prompt 1') as HTMLImageElement;
    // The first zoom is the largest that fits; then exactly 4x: 192x160 for a 48x40 sprite.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Zoom 4×' }));
    expect([img.width, img.height]).toEqual([192, 160]);
    expect(img.closest<HTMLElement>('.pixel-canvas')!.style.width).toBe('192px');
    expect(within(dialog).getByRole('button', { name: 'Zoom 4×' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.keyDown(dialog, { key: '+' });
    expect([img.width, img.height]).toEqual([240, 200]);
    expect(screen.queryByTestId('pixel-grid')).toBeNull();
    fireEvent.click(within(dialog).getByLabelText('Pixel grid'));
    expect(img.closest<HTMLElement>('.pixel-canvas')!.style.getPropertyValue('--px')).toBe('5px');
    expect(screen.getByTestId('pixel-grid')).toBeTruthy();
  });

  it('lists every parameter: size, seed, PixelLab options, duration, cost, times, and the source job', () => {
    const source = job(1);
    const rotated = job(2, {
      kind: 'rotate',
      prompt: 'prompt 1 (east)',
      rotate: { toDirection: 'east', fromDirection: null, sourceJobId: 'job-1', sourceImage: source.image! },
    });
    const { onOpen } = setup([rotated, source], 'job-2');
    const params = Object.fromEntries(
      [...document.querySelectorAll('.detail-param')].map((p) => [
        p.querySelector('dt')!.textContent,
        p.querySelector('dd')!.textContent,
      ]),
    );
    expect(params).toMatchObject({
      Status: 'Done',
      Kind: 'rotate',
      Size: '48×40',
      Seed: '7',
      Rotation: 'as drawn → east',
      'Source job': 'prompt 1',
      mode: 'Text to image (pixflux)',
      'no background': 'yes',
      outline: 'selective outline',
      Duration: '3.0 s',
      Cost: formatCost(0.0125),
      Id: 'job-2',
    });
    expect(params.shading).toBeUndefined();
    expect(params.Created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    fireEvent.click(screen.getByRole('button', { name: 'prompt 1' }));
    expect(onOpen).toHaveBeenCalledWith('job-1');
  });

  it('walks the list with Prev and Next (and arrows, j and k), and Escape closes', () => {
    const { onOpen, onClose, dialog, rerender } = setup([job(1), job(2), job(3)], 'job-2');
    expect(within(dialog).getByText('2 of 3')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: /Next/ }));
    expect(onOpen).toHaveBeenLastCalledWith('job-3');
    fireEvent.click(within(dialog).getByRole('button', { name: /Prev/ }));
    expect(onOpen).toHaveBeenLastCalledWith('job-1');
    fireEvent.keyDown(dialog, { key: 'j' });
    expect(onOpen).toHaveBeenLastCalledWith('job-3');
    fireEvent.keyDown(dialog, { key: 'ArrowLeft' });
    expect(onOpen).toHaveBeenLastCalledWith('job-1');
    rerender('job-3');
    expect((within(dialog).getByRole('button', { name: /Next/ }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('heading', { name: 'prompt 3' })).toBeTruthy();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('keeps Tab inside: Shift-Tab from the focused heading goes to the last control, Tab from it back to the first', () => {
    const { dialog } = setup([job(1), job(2)], 'job-1');
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'prompt 1' }));
    const stops = [
      ...dialog.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled]), select, [href]'),
    ];
    fireEvent.keyDown(document.activeElement!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(stops.at(-1));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab' });
    expect(document.activeElement).toBe(stops[0]);
  });

  it('stars and rates from buttons and keys; the same rating again clears it', () => {
    const { actions, dialog } = setup([job(1, { starred: true, rating: 3 })], 'job-1');
    const star = within(dialog).getByRole('button', { name: /Star/ });
    expect(star.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(star);
    expect(actions.onStar).toHaveBeenCalledWith('job-1', false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rate 4' }));
    expect(actions.onRate).toHaveBeenLastCalledWith('job-1', 4);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rate 3' }));
    expect(actions.onRate).toHaveBeenLastCalledWith('job-1', null);
    fireEvent.keyDown(dialog, { key: '5' });
    expect(actions.onRate).toHaveBeenLastCalledWith('job-1', 5);
    fireEvent.keyDown(dialog, { key: 's' });
    expect(actions.onStar).toHaveBeenLastCalledWith('job-1', false);
    // Typing in a field is not a shortcut.
    fireEvent.keyDown(within(dialog).getByLabelText('Scale'), { key: '2' });
    expect(actions.onRate).toHaveBeenCalledTimes(3);
  });

  it('sends its actions with the id; copy and download follow the zoom until a scale is picked', () => {
    const { actions, dialog } = setup([job(1), job(2, { status: 'error', image: null, error: 'boom' })], 'job-1');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Zoom 3×' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Download 3×' }));
    expect(actions.onDownload).toHaveBeenCalledWith('job-1', 3);
    fireEvent.change(within(dialog).getByLabelText('Scale'), { target: { value: '8' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy image' }));
    expect(actions.onCopyImage).toHaveBeenCalledWith('job-1', 8);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reuse settings' }));
    expect(actions.onReuse).toHaveBeenCalledWith('job-1');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy prompt' }));
    expect(actions.onCopyPrompt).toHaveBeenCalledWith('job-1');
    fireEvent.change(within(dialog).getByLabelText('Direction'), { target: { value: 'north' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    // PixelLab's defaults: no settings at all.
    expect(actions.onRotate).toHaveBeenCalledWith('job-1', 'north', undefined);
    fireEvent.click(within(dialog).getByRole('button', { name: '8 directions' }));
    expect(actions.onRotate8).toHaveBeenCalledWith('job-1', undefined);
    expect(within(dialog).queryByRole('button', { name: 'Retry' })).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(actions.onDelete).toHaveBeenCalledWith('job-1');
  });

  it('Rotate options send the views, image guidance and seed with Rotate and 8 directions; a bad seed blocks both', () => {
    const { actions, dialog } = setup([job(1)], 'job-1');
    fireEvent.change(within(dialog).getByLabelText('To view'), { target: { value: 'high top-down' } });
    fireEvent.input(within(dialog).getByLabelText('Image guidance'), { target: { value: '6.5' } });
    fireEvent.input(within(dialog).getByLabelText('Seed'), { target: { value: '1234' } });
    expect(within(dialog).getByText('Rotate options · set')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    const settings = {
      options: { mode: 'rotate', from_view: null, to_view: 'high top-down', image_guidance_scale: 6.5 },
      seed: 1234,
    };
    expect(actions.onRotate).toHaveBeenCalledWith('job-1', 'east', settings);
    fireEvent.click(within(dialog).getByRole('button', { name: '8 directions' }));
    expect(actions.onRotate8).toHaveBeenCalledWith('job-1', settings);
    fireEvent.input(within(dialog).getByLabelText('Seed'), { target: { value: '-3' } });
    expect(within(dialog).getByRole('alert').textContent).toContain('whole number');
    expect((within(dialog).getByRole('button', { name: 'Rotate' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(dialog).getByRole('button', { name: '8 directions' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('a failed job offers Retry, shows its error, and nothing to copy or rotate', () => {
    const { actions, dialog } = setup([job(2, { status: 'error', image: null, error: 'PixelLab said 429' })], 'job-2');
    expect(within(dialog).getByText('PixelLab said 429')).toBeTruthy();
    expect(within(dialog).getByText('No image yet.')).toBeTruthy();
    expect((within(dialog).getByRole('button', { name: 'Copy image' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(dialog).getByRole('button', { name: 'Rotate' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Retry' }));
    expect(actions.onRetry).toHaveBeenCalledWith('job-2');
  });

  it('“Use as style” (and init image, palette, animate) hands the job to the form; Inpaint… opens the mask painter', () => {
    const onUseAs = vi.fn();
    const onInpaint = vi.fn();
    const { dialog } = setup([job(1, { width: 32, height: 32 })], 'job-1', { actions: { onUseAs, onInpaint } });
    const uses = within(dialog).getByRole('group', { name: 'Use this image in the form' });
    expect(
      within(uses)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Use as init image', 'Use as style', 'Use as palette', 'Use to animate']);
    fireEvent.click(within(uses).getByRole('button', { name: 'Use as style' }));
    expect(onUseAs).toHaveBeenCalledWith('job-1', 'style_image');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Inpaint…' }));
    const painter = within(dialog).getByRole('form', { name: 'Inpaint mask' });
    expect(within(painter).getByLabelText('What to paint there')).toHaveProperty('value', 'prompt 1');
    fireEvent.click(within(painter).getByRole('button', { name: 'Cancel' }));
    expect(within(dialog).queryByRole('form', { name: 'Inpaint mask' })).toBeNull();
    expect(within(dialog).getByTestId('detail-stage')).toBeTruthy();
  });

  it('a job that has not finished offers neither', () => {
    const { dialog } = setup([job(1, { status: 'error', image: null })], 'job-1', {
      actions: { onUseAs: vi.fn(), onInpaint: vi.fn() },
    });
    expect((within(dialog).getByRole('button', { name: 'Use as style' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(dialog).getByRole('button', { name: 'Inpaint…' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a bitforge job’s mode by name and its style sprite as a thumbnail beside its short hash', () => {
    const style = 'c'.repeat(64);
    const options = { mode: 'bitforge', style_image: style, style_strength: 30 };
    const { dialog } = setup([job(1, { options })], 'job-1');
    const term = (name: string) =>
      [...dialog.querySelectorAll('.detail-param')].find((d) => d.querySelector('dt')?.textContent === name)!;
    expect(term('mode').querySelector('dd')?.textContent).toBe('Style from a sprite (bitforge)');
    expect(term('style image').querySelector('img')?.getAttribute('src')).toBe(PNG);
    expect(term('style image').querySelector('code')?.textContent).toBe('cccccccc…');
    expect(term('style strength').querySelector('dd')?.textContent).toBe('30');
  });
});
