// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TagInput } from '@/components/TagInput';
import { suggestTags } from '@/utils/panel/facets';

afterEach(cleanup);

const all = ['hero', 'enemy', 'heroine', 'tile', 'ui-hero'];
const options = () => [...document.querySelectorAll('[role="option"]')].map((o) => o.textContent);

describe('TagInput', () => {
  it('suggests tags that start with the text first, then those that hold it, leaving out the chosen', () => {
    expect(suggestTags(all, 'HERO', ['heroine'])).toEqual(['hero', 'ui-hero']);
    expect(suggestTags(all, '')).toEqual(all);
  });

  it('is a combobox: Down/Up move the highlight (wrapping), Enter picks it, Escape closes the list', () => {
    const onAdd = vi.fn();
    render(<TagInput id="t" label="Tag" suggestions={all} onAdd={onAdd} />);
    const box = screen.getByRole('combobox', { name: 'Tag' });
    fireEvent.focus(box);
    fireEvent.input(box, { target: { value: 'her' } });
    expect(options()).toEqual(['hero', 'heroine', 'ui-hero']);
    expect(box.getAttribute('aria-expanded')).toBe('true');
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    expect(document.getElementById(box.getAttribute('aria-activedescendant')!)!.textContent).toBe('ui-hero');
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(document.getElementById(box.getAttribute('aria-activedescendant')!)!.getAttribute('aria-selected')).toBe(
      'true',
    );
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onAdd).toHaveBeenCalledWith('heroine');
    expect((box as HTMLInputElement).value).toBe('');
    fireEvent.input(box, { target: { value: 'e' } });
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
  });

  it('adds a new tag as typed, normalised, unless only existing ones may be picked', () => {
    const onAdd = vi.fn();
    const { rerender } = render(<TagInput id="t" label="Tag" suggestions={all} onAdd={onAdd} />);
    const box = screen.getByRole('combobox', { name: 'Tag' });
    fireEvent.input(box, { target: { value: '  Boss   Fight ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onAdd).toHaveBeenLastCalledWith('boss fight');
    rerender(<TagInput id="t" label="Tag" suggestions={all} onAdd={onAdd} existingOnly />);
    fireEvent.input(box, { target: { value: 'dragon' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onAdd).toHaveBeenCalledTimes(1);
  });

  it('picks a suggestion with the mouse without losing focus', () => {
    const onAdd = vi.fn();
    render(<TagInput id="t" label="Tag" suggestions={all} onAdd={onAdd} />);
    const box = screen.getByRole('combobox', { name: 'Tag' });
    fireEvent.focus(box);
    box.focus();
    expect(options()).toContain('tile');
    fireEvent.mouseDown(screen.getByRole('option', { name: 'tile' }));
    expect(onAdd).toHaveBeenCalledWith('tile');
    expect(document.activeElement).toBe(box);
  });
});
