// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTypingTarget, triageCommand } from '@/components/triage/keys';
import { ShortcutsSheet } from '@/components/triage/ShortcutsSheet';
import { parseTags, TagPrompt } from '@/components/triage/TagPrompt';

afterEach(cleanup);

describe('triage keys', () => {
  it('reads each key as one command; arrows move by a grid row', () => {
    expect(triageCommand({ key: 'j' })).toEqual({ kind: 'move', by: 1 });
    expect(triageCommand({ key: 'k' }, 4)).toEqual({ kind: 'move', by: -1 });
    expect(triageCommand({ key: 'ArrowDown' }, 4)).toEqual({ kind: 'move', by: 4 });
    expect(triageCommand({ key: 'ArrowLeft' }, 1)).toBeNull();
    expect(triageCommand({ key: 'ArrowRight' }, 3)).toEqual({ kind: 'move', by: 1 });
    expect(triageCommand({ key: ' ' })).toEqual({ kind: 'open' });
    expect(triageCommand({ key: 'Enter' })).toEqual({ kind: 'open' });
    expect(triageCommand({ key: '4' })).toEqual({ kind: 'rate', value: 4 });
    expect(triageCommand({ key: '6' })).toBeNull();
    expect(triageCommand({ key: 's' })).toEqual({ kind: 'star' });
    expect(triageCommand({ key: 'Delete' })).toEqual({ kind: 'trash' });
    expect(triageCommand({ key: '?' })).toEqual({ kind: 'help' });
    // A browser's own shortcuts stay the browser's.
    expect(triageCommand({ key: 's', ctrlKey: true })).toBeNull();
  });

  it('leaves typing alone', () => {
    const text = document.createElement('input');
    const box = document.createElement('input');
    box.type = 'checkbox';
    expect(isTypingTarget(text)).toBe(true);
    expect(isTypingTarget(box)).toBe(false);
    expect(isTypingTarget(document.createElement('textarea'))).toBe(true);
    expect(isTypingTarget(document.createElement('button'))).toBe(false);
  });
});

describe('ShortcutsSheet and TagPrompt', () => {
  it('lists the shortcuts, with focus on Close; Escape closes', () => {
    const onClose = vi.fn();
    render(<ShortcutsSheet onClose={onClose} />);
    const sheet = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(sheet.textContent).toContain('Rate (the same number again clears it)');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
    fireEvent.keyDown(sheet, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('adds normalised tags, drops blanks and repeats', () => {
    expect(parseTags(' Hero , hero,, Boss  Fight ')).toEqual(['hero', 'boss fight']);
    const onAdd = vi.fn();
    const onClose = vi.fn();
    render(<TagPrompt name="“a knight”" onAdd={onAdd} onClose={onClose} />);
    const input = screen.getByLabelText('Tags, separated by commas');
    expect(document.activeElement).toBe(input);
    fireEvent.input(input, { target: { value: 'Knight, pixel art' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add tags' }));
    expect(onAdd).toHaveBeenCalledWith(['knight', 'pixel art']);
    expect(onClose).toHaveBeenCalled();
  });
});
