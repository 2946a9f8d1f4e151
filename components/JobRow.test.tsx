// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type JobActions, JobRow, type JobRowProps, ROW_HEIGHT } from '@/components/JobRow';
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

  it('rotates to the direction chosen in its select', () => {
    const { actions } = renderRow(job('success'), { image: PNG });
    fireEvent.change(screen.getByLabelText('Direction for job-7'), { target: { value: 'north-west' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rotate job-7' }));
    expect(actions.onRotate).toHaveBeenCalledWith('job-7', 'north-west');
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
