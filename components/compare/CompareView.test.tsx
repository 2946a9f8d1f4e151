// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CompareItem, CompareView } from '@/components/compare/CompareView';

afterEach(cleanup);

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const item = (n: number, size = 32): CompareItem => ({
  id: `job-${n}`,
  prompt: `prompt ${n}`,
  width: size,
  height: size,
  image: `${PNG}#${n}`,
});

describe('CompareView', () => {
  it('shows 2-4 jobs side by side at one integer zoom', () => {
    render(<CompareView items={[item(1), item(2, 16), item(3), item(4), item(5)]} onClose={vi.fn()} boxWidth={800} />);
    const dialog = screen.getByRole('dialog', { name: 'Compare 4 jobs' });
    expect(dialog.querySelectorAll('figure')).toHaveLength(4);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Zoom 3×' }));
    expect((screen.getByAltText('prompt 1') as HTMLImageElement).width).toBe(96);
    expect((screen.getByAltText('prompt 2') as HTMLImageElement).width).toBe(48);
    // Overlays are for two.
    expect(within(dialog).queryByRole('button', { name: 'Swipe' })).toBeNull();
  });

  it('lays two over each other: swipe cuts at a line, onion-skin fades; Escape closes', () => {
    const onClose = vi.fn();
    render(<CompareView items={[item(1), item(2)]} onClose={onClose} boxWidth={400} />);
    const dialog = screen.getByRole('dialog', { name: 'Compare 2 jobs' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Zoom 4×' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Swipe' }));
    const over = () => screen.getByAltText('prompt 2') as HTMLImageElement;
    expect(over().classList.contains('pixel-overlay')).toBe(true);
    expect([over().width, over().height]).toEqual([128, 128]);
    fireEvent.input(within(dialog).getByLabelText('Swipe position'), { target: { value: '25' } });
    // Left of the line (25%: 32 of 128 px) the first image shows, right of it the second.
    expect(over().style.clipPath).toBe('inset(0 0 0 32px)');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Onion skin' }));
    fireEvent.input(within(dialog).getByLabelText('Opacity'), { target: { value: '40' } });
    expect(over().style.opacity).toBe('0.4');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Side by side' }));
    expect(screen.getByAltText('prompt 2').classList.contains('pixel-overlay')).toBe(false);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
