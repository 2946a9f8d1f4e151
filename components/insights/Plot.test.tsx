// @vitest-environment happy-dom
import { render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { Plot } from '@/components/insights/Plot';
import { durationsSpec } from '@/components/insights/plot-options';

describe('Plot', () => {
  afterEach(() => document.body.replaceChildren());

  it('on a page with no 2D canvas (this test DOM) says so in place of the plot, and nothing throws later', async () => {
    // happy-dom's canvas has no context, as a locked-down page. uPlot would accept that and throw from a queued
    // draw, an uncaught error that failed CI; the plot now asks first.
    expect(document.createElement('canvas').getContext('2d')).toBeNull();
    const spec = durationsSpec([{ key: '64x64', count: 3, median: 4, p90: 6, max: 9 }], ['#111', '#222', '#333']);
    render(<Plot spec={spec} testId="p" />);
    expect(
      (
        await screen.findByText(
          /^The plot could not be drawn \(no 2D canvas\); the summary below says what it shows\.$/,
        )
      ).tagName,
    ).toBe('P');
    // Give any queued draw its turn: an uncaught error in it fails this file.
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('p')).toBeNull();
  });
});
