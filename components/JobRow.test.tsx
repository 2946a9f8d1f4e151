// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type JobActions, JobRow, type JobRowProps, ROW_HEIGHT } from '@/components/JobRow';
import { MenuHost } from '@/components/OverflowMenu';
import type { Job, JobStatus } from '@/utils/domain/job';

afterEach(cleanup);

const NOW = 1_700_000_000_000;
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function job(status: JobStatus, overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-7',
    kind: 'generate',
    prompt: 'a knight',
    width: 48,
    height: 40,
    seed: 99,
    status,
    error: null,
    image: status === 'success' ? 'b'.repeat(64) : null,
    rotate: null,
    groupId: null,
    startTime: null,
    endTime: null,
    duration: null,
    createdAt: NOW - 60_000,
    updatedAt: NOW - 1_000,
    deleted: false,
    ...overrides,
  };
}

function renderRow(j: Job, props: Partial<JobRowProps> = {}) {
  const actions: JobActions = {
    onRetry: vi.fn(),
    onRotate: vi.fn(),
    onRotate8: vi.fn(),
    onDownload: vi.fn(),
    onCopy: vi.fn(),
    onReuse: vi.fn(),
    onDelete: vi.fn(),
    onOpen: vi.fn(),
  };
  render(
    <ul>
      <JobRow
        entry={{ id: j.id, createdAt: j.createdAt, status: j.status, prompt: j.prompt }}
        job={j}
        now={NOW}
        top={3 * ROW_HEIGHT}
        position={4}
        setSize={10}
        actions={actions}
        {...props}
      />
    </ul>,
  );
  render(<MenuHost />);
  return { actions, row: document.querySelector<HTMLElement>('[data-job-id="job-7"]')! };
}

describe('JobRow', () => {
  it('shows what PixelLab charged for a job, and nothing for a job without a cost', () => {
    const { row } = renderRow(job('success', { usd: 0.012 }));
    expect(row.querySelector('.job-cost')?.textContent).toBe('$0.012');
    cleanup();
    const { row: free } = renderRow(job('success'));
    expect(free.querySelector('.job-cost')).toBeNull();
  });

  it('sits at its place in the virtual list and tells assistive tech where it is', () => {
    const { row } = renderRow(job('idle'));
    expect(row.style.top).toBe(`${3 * ROW_HEIGHT}px`);
    expect(row.style.height).toBe(`${ROW_HEIGHT}px`);
    expect(row.getAttribute('aria-posinset')).toBe('4');
    expect(row.getAttribute('aria-setsize')).toBe('10');
  });

  it('opens its menu from the keyboard: arrows move, Escape closes and gives focus back', () => {
    const { actions } = renderRow(job('success'), { image: PNG });
    const more = screen.getByRole('button', { name: 'More actions for job-7' });
    expect(more.getAttribute('aria-haspopup')).toBe('menu');
    expect(more.getAttribute('title')).toBe('More actions');
    fireEvent.keyDown(more, { key: 'ArrowDown' });
    const menu = screen.getByRole('menu');
    expect(more.getAttribute('aria-expanded')).toBe('true');
    const items = within(menu).getAllByRole('menuitem');
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(menu, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(items[items.length - 1]);
    expect(items[items.length - 1]!.getAttribute('aria-label')).toBe('Delete job-7');
    fireEvent.keyDown(menu, { key: 'Home' });
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(document.activeElement?.textContent).toBe('Rotate…');
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(more);
    expect(actions.onOpen).not.toHaveBeenCalled();
  });

  it('shows its star and rating, and every icon button has a name and a tooltip', () => {
    const { row } = renderRow(job('success', { starred: true, rating: 4 }), { image: PNG });
    expect(row.querySelector('.job-marks')?.textContent).toBe('★ starred4/5 rating');
    for (const button of row.querySelectorAll('button')) {
      expect(button.getAttribute('aria-label')).toBeTruthy();
      expect(button.getAttribute('title')).toBeTruthy();
    }
    // A 48x40 sprite shows at 1x in its 64 px box: never stretched to a fractional scale.
    const img = screen.getByAltText('a knight') as HTMLImageElement;
    expect([img.width, img.height]).toEqual([48, 40]);
  });

  it('a running job shows a timer from its start time', () => {
    const { row } = renderRow(job('running', { startTime: NOW - 75_000 }));
    expect(row.querySelector('.timer')?.textContent?.trim()).toBe('1:15');
  });

  it('a failed job gives its lines to the reason and keeps its seed with the size', () => {
    const { row } = renderRow(job('error', { error: 'PixelLab returned 422: prompt refused' }));
    expect(row.querySelector('.job-error')?.textContent).toContain('PixelLab returned 422: prompt refused');
    expect(row.querySelector('.thumb-placeholder')?.textContent).toBe('48×40seed 99');
    expect(row.querySelector('.job-meta')).toBeNull();
  });
});
