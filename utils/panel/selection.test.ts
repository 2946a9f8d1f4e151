import { effect } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { createSelection } from '@/utils/panel/selection';

const order = ['a', 'b', 'c', 'd', 'e', 'f'];
const selected = (s: ReturnType<typeof createSelection>) => [...s.ids.value].sort();

describe('selection', () => {
  it('a click selects that row only, and becomes the anchor', () => {
    const s = createSelection();
    s.click('b', {}, order);
    s.click('d', {}, order);
    expect(selected(s)).toEqual(['d']);
    expect(s.anchor).toBe('d');
  });

  it('Shift-click selects the range from the anchor, in either direction, and re-draws it from the same anchor', () => {
    const s = createSelection();
    s.click('b', {}, order);
    s.click('e', { range: true }, order);
    expect(selected(s)).toEqual(['b', 'c', 'd', 'e']);
    s.click('a', { range: true }, order);
    expect(selected(s)).toEqual(['a', 'b']);
  });

  it('Ctrl/Cmd-click toggles one row and keeps the rest; Ctrl+Shift adds a range', () => {
    const s = createSelection();
    s.click('a', {}, order);
    s.click('c', { toggle: true }, order);
    expect(selected(s)).toEqual(['a', 'c']);
    s.click('a', { toggle: true }, order);
    expect(selected(s)).toEqual(['c']);
    s.click('e', { toggle: true }, order);
    s.click('f', { toggle: true, range: true }, order);
    expect(selected(s)).toEqual(['c', 'e', 'f']);
  });

  it('Shift-click without an anchor (or one no longer listed) toggles the row', () => {
    const s = createSelection();
    s.click('c', { range: true }, order);
    expect(selected(s)).toEqual(['c']);
    s.click('d', { range: true }, ['x', 'd']);
    expect(selected(s)).toEqual(['c', 'd']);
  });

  it('x toggles; select all takes every listed row; clear empties', () => {
    const s = createSelection();
    s.toggle('a');
    s.toggle('a');
    expect(s.count.value).toBe(0);
    s.selectAll(order);
    expect(s.count.value).toBe(6);
    s.clear();
    expect(s.count.value).toBe(0);
    expect(s.anchor).toBeNull();
  });

  it('keeps only rows still listed when the list changes', () => {
    const s = createSelection();
    s.selectAll(['a', 'b', 'c']);
    s.retain(['b', 'c', 'z']);
    expect(selected(s)).toEqual(['b', 'c']);
  });

  it('tells its readers only when the selection really changes', () => {
    const s = createSelection();
    let runs = 0;
    const stop = effect(() => {
      void s.ids.value;
      runs++;
    });
    s.click('a', {}, order);
    s.click('a', {}, order);
    s.retain(order);
    s.clear();
    s.clear();
    stop();
    expect(runs).toBe(3);
  });
});
