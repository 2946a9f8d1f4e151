// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { StatsBar } from '@/components/StatsBar';

afterEach(cleanup);

const _NOW = 1_700_000_000_000;

describe('StatsBar', () => {
  it('shows the counts and the average duration from the stats key', () => {
    render(
      <StatsBar
        stats={{
          total: 10_000,
          idle: 2,
          queued: 3,
          running: 1,
          success: 9000,
          error: 994,
          cancelled: 0,
          trashed: 0,
          avgDuration: 3.21,
        }}
      />,
    );
    const value = (key: string) => document.querySelector(`[data-stat="${key}"] dd`)!.textContent;
    expect(value('total')).toBe('10,000');
    expect(value('queued')).toBe('3');
    expect(value('running')).toBe('1');
    expect(value('success')).toBe('9,000');
    expect(value('error')).toBe('994');
    expect(value('avg')).toBe('3.2 s');
    expect(screen.getByText('Completed')).toBeTruthy();
  });

  it('shows dashes before stats exist', () => {
    render(<StatsBar stats={null} />);
    expect(document.querySelector('[data-stat="total"] dd')!.textContent).toBe('–');
  });
});
