// @vitest-environment happy-dom

import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobList, OVERSCAN } from '@/components/JobList';
import { type JobActions, ROW_HEIGHT } from '@/components/JobRow';
import { MenuHost } from '@/components/OverflowMenu';
import { WAIT } from '@/tests/helpers/until';
import type { Job, JobStatus } from '@/utils/domain/job';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const NOW = 1_700_000_000_000;
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function job(id: string, status: JobStatus, overrides: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'generate',
    prompt: `prompt of ${id}`,
    width: 48,
    height: 40,
    seed: 1234,
    status,
    error: status === 'error' ? 'PixelLab returned 429: rate limited' : null,
    image: status === 'success' ? 'a'.repeat(64) : null,
    rotate: null,
    groupId: null,
    startTime: status === 'running' ? NOW - 12_000 : null,
    endTime: null,
    duration: status === 'success' ? 2.45 : null,
    createdAt: NOW - 5 * 60_000,
    updatedAt: NOW,
    deleted: false,
    ...overrides,
  };
}

const entryOf = (j: Job): IndexEntry => ({ id: j.id, createdAt: j.createdAt, status: j.status, prompt: j.prompt });

function actionsMock(): JobActions {
  return {
    onRetry: vi.fn(),
    onRotate: vi.fn(),
    onRotate8: vi.fn(),
    onDownload: vi.fn(),
    onCopy: vi.fn(),
    onReuse: vi.fn(),
    onDelete: vi.fn(),
    onOpen: vi.fn(),
  };
}

function renderList(jobs: Job[], extra: Partial<Parameters<typeof JobList>[0]> = {}) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const actions = actionsMock();
  const view = render(
    <JobList
      entries={jobs.map(entryOf)}
      getJob={(id) => byId.get(id)}
      getImage={(hash) => (hash ? PNG : undefined)}
      actions={actions}
      clock={() => NOW}
      fallbackHeight={600}
      {...extra}
    />,
  );
  render(<MenuHost />);
  return { actions, ...view };
}

const row = (id: string) => document.querySelector<HTMLElement>(`[data-job-id="${id}"]`)!;

describe('JobList', () => {
  it('a finished job whose image is not stored here says so instead of shimmering as if loading', () => {
    const done = job('job-done', 'success');
    renderList([done, job('job-loading', 'success', { image: 'b'.repeat(64) })], {
      getImage: () => undefined,
      isImageAbsent: (hash) => hash === done.image,
    });
    const thumb = row('job-done').querySelector<HTMLElement>('.job-thumb')!;
    expect(thumb.dataset.empty).toBe('absent');
    expect(thumb.title).toMatch(/not in this browser yet/);
    expect(thumb.textContent).toContain('no image');
    // Not read yet: still the loading shimmer.
    expect(row('job-loading').querySelector<HTMLElement>('.job-thumb')!.dataset.empty).toBe('success');
  });

  it('a finished job that recorded no image at all says so', () => {
    renderList([job('job-bare', 'success', { image: null })], { getImage: () => undefined });
    const thumb = row('job-bare').querySelector<HTMLElement>('.job-thumb')!;
    expect(thumb.dataset.empty).toBe('absent');
    expect(thumb.title).toBe('This job finished without an image.');
    expect(within(row('job-bare')).getByText('This job finished without an image.')).toBeTruthy();
  });

  it('renders each state with its label, data attributes and details', () => {
    renderList([
      job('job-idle', 'idle'),
      job('job-queued', 'queued'),
      job('job-running', 'running'),
      job('job-done', 'success'),
      job('job-failed', 'error'),
    ]);
    const expected: Record<string, [string, string]> = {
      'job-idle': ['idle', 'Waiting'],
      'job-queued': ['queued', 'Queued'],
      'job-running': ['running', 'Running'],
      'job-done': ['success', 'Done'],
      'job-failed': ['error', 'Failed'],
    };
    for (const [id, [status, label]] of Object.entries(expected)) {
      const el = row(id);
      expect(el.getAttribute('data-status')).toBe(status);
      expect(el.querySelector('.badge')!.textContent).toContain(label);
      expect(el.textContent).toContain(`prompt of ${id}`);
      expect(el.textContent).toContain('48×40');
      expect(el.textContent).toContain('seed 1234');
      expect(el.textContent).toContain('5 min ago');
    }
    // Running: a live timer from startTime.
    expect(row('job-running').querySelector('.timer')!.textContent).toContain('0:12');
    // Done: duration and a pixelated thumbnail whose alt is the prompt.
    expect(row('job-done').textContent).toContain('2.5 s');
    const img = within(row('job-done')).getByAltText('prompt of job-done') as HTMLImageElement;
    expect(img.src).toBe(PNG);
    // Failed: the whole error text, in its own block (wrapped by CSS, three lines at most), and its
    // size and seed in the empty thumbnail.
    expect(row('job-failed').querySelector('.job-error')!.textContent).toContain('PixelLab returned 429: rate limited');
    expect(row('job-failed').querySelector('.job-error')!.getAttribute('title')).toBe(
      'PixelLab returned 429: rate limited',
    );
    expect(row('job-failed').querySelector('.thumb-placeholder')!.textContent).toBe('48×40seed 1234');
    expect(row('job-failed').querySelector('.job-meta')).toBeNull();
    // Every row has the same height: the list is virtualized by index.
    for (const id of Object.keys(expected)) expect(row(id).style.height).toBe(`${ROW_HEIGHT}px`);
    // Only finished jobs have images.
    expect(row('job-failed').querySelector('img')).toBeNull();
  });

  it('shows a row from its index entry before its record is read', () => {
    render(
      <JobList
        entries={[{ id: 'job-1', createdAt: NOW, status: 'queued', prompt: 'just the entry' }]}
        getJob={() => undefined}
        getImage={() => undefined}
        actions={actionsMock()}
        clock={() => NOW}
      />,
    );
    expect(row('job-1').textContent).toContain('just the entry');
    expect(row('job-1').getAttribute('data-status')).toBe('queued');
  });

  it('keeps one action visible per row and the rest in a menu, each sent with the job id', () => {
    const { actions } = renderList([
      job('job-done', 'success'),
      job('job-failed', 'error'),
      job('job-running', 'running'),
    ]);
    const menu = (id: string) => {
      fireEvent.click(screen.getByRole('button', { name: `More actions for ${id}` }));
      return screen.getByRole('menu', { name: `More actions for ${id}` });
    };

    // Visible: retry on the failed row, download on the done one; neither on a running job.
    fireEvent.click(screen.getByRole('button', { name: 'Retry job-failed' }));
    expect(actions.onRetry).toHaveBeenCalledWith('job-failed');
    expect(screen.queryByRole('button', { name: 'Retry job-done' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Download PNG of job-done' }));
    expect(actions.onDownload).toHaveBeenCalledWith('job-done');
    expect(screen.queryByRole('button', { name: 'Download PNG of job-running' })).toBeNull();

    fireEvent.click(within(menu('job-done')).getByRole('menuitem', { name: 'Make 8 directions of job-done' }));
    expect(actions.onRotate8).toHaveBeenCalledWith('job-done');
    expect(screen.queryByRole('menu')).toBeNull();
    const running = menu('job-running');
    expect(within(running).getByRole('menuitem', { name: 'Make 8 directions of job-running' })).toHaveProperty(
      'disabled',
      true,
    );
    expect(within(running).getByRole('menuitem', { name: 'Download PNG of job-running' })).toHaveProperty(
      'disabled',
      true,
    );
    fireEvent.click(within(running).getByRole('menuitem', { name: 'Copy prompt of job-running' }));
    expect(actions.onCopy).toHaveBeenCalledWith('job-running');
    fireEvent.click(within(menu('job-failed')).getByRole('menuitem', { name: 'Reuse job-failed in the form' }));
    expect(actions.onReuse).toHaveBeenCalledWith('job-failed');
    fireEvent.click(within(menu('job-done')).getByRole('menuitem', { name: 'Rotate job-done…' }));
    expect(actions.onOpen).toHaveBeenCalledWith('job-done');
    fireEvent.click(within(menu('job-done')).getByRole('menuitem', { name: 'Delete job-done' }));
    expect(actions.onDelete).toHaveBeenCalledWith('job-done');
    fireEvent.click(screen.getByRole('button', { name: 'Open details of job-failed' }));
    expect(actions.onOpen).toHaveBeenCalledWith('job-failed');
  });

  it('renders only a window of rows for 10,000 jobs and moves it on scroll', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => job(`job-${10_000 - i}`, 'success'));
    const onVisibleIds = vi.fn();
    renderList(jobs, { onVisibleIds });

    const list = screen.getByTestId('job-list');
    const windowSize = Math.ceil(600 / ROW_HEIGHT) + OVERSCAN;
    const rendered = list.querySelectorAll('[data-job-id]');
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThanOrEqual(windowSize + 1);
    expect(rendered[0]!.getAttribute('data-job-id')).toBe('job-10000');
    expect(list.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
    expect(onVisibleIds).toHaveBeenLastCalledWith([...rendered].map((r) => r.getAttribute('data-job-id')));

    const scroller = screen.getByTestId('job-scroller');
    scroller.scrollTop = 5000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
    await vi.waitFor(() => expect(list.querySelector('[data-job-id="job-5000"]')).not.toBeNull(), WAIT);
    const after = [...list.querySelectorAll<HTMLElement>('[data-job-id]')];
    expect(after.length).toBeLessThanOrEqual(windowSize + OVERSCAN + 1);
    expect(list.querySelector('[data-job-id="job-10000"]')).toBeNull();
    const row5000 = list.querySelector<HTMLElement>('[data-job-id="job-5000"]')!;
    expect(row5000.style.top).toBe(`${5000 * ROW_HEIGHT}px`);
    expect(row5000.getAttribute('aria-posinset')).toBe('5001');
    expect(row5000.getAttribute('aria-setsize')).toBe('10000');
  });

  it('as a grid: rows of tiles in the same virtual list, O(visible) at 10,000 jobs, and a toggle that persists', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => job(`job-${10_000 - i}`, 'success'));
    const onVisibleIds = vi.fn();
    const onPrefs = vi.fn();
    // 400 px wide, 96 px tiles: (400 - 2 - 8) / 104 = 3 a row, 96 + 30 + 8 = 134 px a row.
    renderList(jobs, { onVisibleIds, prefs: { layout: 'grid', thumb: 96 }, onPrefs, fallbackWidth: 400 });
    const list = screen.getByTestId('job-list');
    expect(list.closest('section')!.getAttribute('data-layout')).toBe('grid');
    expect(list.style.height).toBe(`${Math.ceil(10_000 / 3) * 134}px`);
    const lines = list.querySelectorAll('.tile-row');
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(600 / 134) + OVERSCAN + 1);
    expect(lines[0]!.querySelectorAll('[data-job-id]')).toHaveLength(3);
    const tiles = [...list.querySelectorAll('[data-job-id]')].map((t) => t.getAttribute('data-job-id'));
    expect(tiles.slice(0, 4)).toEqual(['job-10000', 'job-9999', 'job-9998', 'job-9997']);
    expect(onVisibleIds).toHaveBeenLastCalledWith(tiles);
    // A 48x40 sprite in a 96 px tile: exactly 2x.
    const img = within(row('job-10000')).getByAltText('prompt of job-10000') as HTMLImageElement;
    expect([img.width, img.height]).toEqual([96, 80]);

    const scroller = screen.getByTestId('job-scroller');
    scroller.scrollTop = 1000 * 134;
    fireEvent.scroll(scroller);
    // Row 1000 holds jobs 3000..3002 from the top: job-7000 down to job-6998.
    await vi.waitFor(() => expect(list.querySelector('[data-job-id="job-7000"]')).not.toBeNull(), WAIT);
    expect(list.querySelectorAll('[data-job-id]').length).toBeLessThanOrEqual(
      3 * (Math.ceil(600 / 134) + 2 * OVERSCAN + 1),
    );

    expect(screen.getByRole('button', { name: 'Show as grid' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Show as list' }));
    expect(onPrefs).toHaveBeenLastCalledWith({ layout: 'list' });
    fireEvent.input(screen.getByRole('slider', { name: 'Thumbnail size' }), { target: { value: '128' } });
    expect(onPrefs).toHaveBeenLastCalledWith({ thumb: 128 });
  });

  it('moves focus with j/k and arrows across the virtual window, and sends triage keys with the focused id', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => job(`job-${10_000 - i}`, 'success'));
    const onTriage = vi.fn();
    renderList(jobs, { onTriage });
    const open = (id: string) => within(row(id)).getByRole('button', { name: `Open details of ${id}` });
    open('job-10000').focus();
    fireEvent.keyDown(document.activeElement!, { key: 'j' });
    expect(document.activeElement).toBe(open('job-9999'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    fireEvent.keyDown(document.activeElement!, { key: 'k' });
    expect(document.activeElement).toBe(open('job-9999'));
    // End: the last row is far outside the window; the list scrolls there, then focuses it once rendered.
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    const scroller = screen.getByTestId('job-scroller');
    expect(scroller.scrollTop).toBeGreaterThan(9_000 * ROW_HEIGHT);
    fireEvent.scroll(scroller);
    await vi.waitFor(() => expect(document.activeElement).toBe(open('job-1')), WAIT);
    for (const key of ['Enter', '4', 's', 't', 'Delete']) fireEvent.keyDown(document.activeElement!, { key });
    expect(onTriage.mock.calls.map(([c, id]) => [c.kind, id])).toEqual([
      ['open', 'job-1'],
      ['rate', 'job-1'],
      ['star', 'job-1'],
      ['tag', 'job-1'],
      ['trash', 'job-1'],
    ]);
    // Enter on another button (the row's menu) is that button's own.
    fireEvent.keyDown(screen.getByRole('button', { name: 'More actions for job-1' }), { key: 'Enter' });
    expect(onTriage).toHaveBeenCalledTimes(5);
  });

  it('shows the empty state, the loading state and the no-match state', () => {
    const { rerender } = renderList([]);
    expect(screen.getByText('No jobs yet…')).toBeTruthy();
    const props = { entries: [], getJob: () => undefined, getImage: () => undefined, actions: actionsMock() };
    rerender(<JobList {...props} loading />);
    expect(screen.getByText('Loading history…')).toBeTruthy();
    rerender(<JobList {...props} filtered />);
    expect(screen.getByText('No jobs match this search.')).toBeTruthy();
  });
});
