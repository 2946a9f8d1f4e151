// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeWindow, VirtualList } from '@/components/virtual-list';

afterEach(cleanup);

describe('computeWindow', () => {
  const base = { rowHeight: 50, viewportHeight: 200, overscan: 2, count: 1000 };

  it('covers the viewport plus overscan', () => {
    expect(computeWindow({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 6, totalHeight: 50_000 });
    expect(computeWindow({ ...base, scrollTop: 1000 })).toEqual({ start: 18, end: 26, totalHeight: 50_000 });
    // Half a row scrolled: the partly visible rows count.
    expect(computeWindow({ ...base, scrollTop: 1025 })).toMatchObject({ start: 18, end: 27 });
  });

  it('clamps at both ends and handles small or empty lists', () => {
    expect(computeWindow({ ...base, scrollTop: -30 })).toMatchObject({ start: 0, end: 6 });
    expect(computeWindow({ ...base, scrollTop: 10_000_000 })).toMatchObject({ start: 994, end: 1000 });
    expect(computeWindow({ ...base, count: 3, scrollTop: 0 })).toEqual({ start: 0, end: 3, totalHeight: 150 });
    expect(computeWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, totalHeight: 0 });
    // Not measured yet: at least one row.
    expect(computeWindow({ ...base, viewportHeight: 0, overscan: 0, scrollTop: 0 })).toMatchObject({
      start: 0,
      end: 1,
    });
  });
});

describe('VirtualList', () => {
  function setup(count: number, resetKey?: string) {
    const onRangeChange = vi.fn();
    const props = {
      count,
      rowHeight: 20,
      overscan: 3,
      fallbackHeight: 100,
      onRangeChange,
      scrollerProps: { 'data-testid': 'scroller' },
      listProps: { 'data-testid': 'list' },
      renderRow: (i: number, top: number) => (
        <li key={i} data-row={i} style={{ position: 'absolute', top: `${top}px` }}>
          row {i}
        </li>
      ),
    };
    const view = render(<VirtualList {...props} resetKey={resetKey} />);
    return { onRangeChange, props, ...view };
  }

  it('renders the window only and reports it', () => {
    const { onRangeChange } = setup(100_000);
    const rows = screen.getByTestId('list').querySelectorAll('[data-row]');
    expect(rows).toHaveLength(8); // 100 px / 20 px + 3 overscan
    expect(onRangeChange).toHaveBeenLastCalledWith(0, 8);
    expect(screen.getByTestId('list').style.height).toBe('2000000px');
  });

  it('moves the window when scrolled, and back to the top when the reset key changes', async () => {
    const { onRangeChange, rerender, props } = setup(1000, 'a');
    const scroller = screen.getByTestId('scroller');
    scroller.scrollTop = 400;
    fireEvent.scroll(scroller);
    await vi.waitFor(() => expect(onRangeChange).toHaveBeenLastCalledWith(17, 28));
    expect(screen.getByText('row 20')).toBeTruthy();
    expect(screen.queryByText('row 0')).toBeNull();

    rerender(<VirtualList {...props} resetKey="b" />);
    await vi.waitFor(() => expect(onRangeChange).toHaveBeenLastCalledWith(0, 8));
    expect(scroller.scrollTop).toBe(0);
  });

  it('leaves scrollTop alone on a reset while already at the top (writing it forces a layout)', async () => {
    const { onRangeChange, rerender, props } = setup(1000, 'a');
    const scroller = screen.getByTestId('scroller');
    let top = 0;
    const writes: number[] = [];
    Object.defineProperty(scroller, 'scrollTop', {
      configurable: true,
      get: () => top,
      set: (value: number) => {
        writes.push(value);
        top = value;
      },
    });

    rerender(<VirtualList {...props} resetKey="ab" />);
    rerender(<VirtualList {...props} resetKey="abc" />);
    await vi.waitFor(() => expect(onRangeChange).toHaveBeenLastCalledWith(0, 8));
    expect(writes).toEqual([]);

    // Scrolled down: the next reset writes it once.
    top = 400;
    fireEvent.scroll(scroller);
    await vi.waitFor(() => expect(onRangeChange).toHaveBeenLastCalledWith(17, 28));
    rerender(<VirtualList {...props} resetKey="abcd" />);
    await vi.waitFor(() => expect(onRangeChange).toHaveBeenLastCalledWith(0, 8));
    expect(writes).toEqual([0]);
    rerender(<VirtualList {...props} resetKey="abcde" />);
    expect(writes).toEqual([0]);
  });

  it('does not re-render for scrolls within the same row', async () => {
    const renderRow = vi.fn((i: number) => <li key={i}>{i}</li>);
    render(
      <VirtualList
        count={100}
        rowHeight={20}
        fallbackHeight={100}
        overscan={0}
        renderRow={renderRow}
        scrollerProps={{ 'data-testid': 's' }}
      />,
    );
    const calls = renderRow.mock.calls.length;
    const scroller = screen.getByTestId('s');
    scroller.scrollTop = 5;
    fireEvent.scroll(scroller);
    scroller.scrollTop = 15;
    fireEvent.scroll(scroller);
    await new Promise((r) => setTimeout(r, 10));
    expect(renderRow.mock.calls.length).toBe(calls);
  });
});
