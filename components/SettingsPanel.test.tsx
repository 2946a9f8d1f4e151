// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettingsPanel } from '@/components/SettingsPanel';
import { defaultSettings } from '@/utils/storage/settings';

afterEach(cleanup);

describe('SettingsPanel', () => {
  it('shows the current settings and saves valid ones', async () => {
    const onSave = vi.fn();
    render(<SettingsPanel settings={defaultSettings} onSave={onSave} onClose={() => {}} />);
    expect((screen.getByLabelText('Companion URL') as HTMLInputElement).value).toBe('http://127.0.0.1:8787');
    fireEvent.input(screen.getByLabelText('Token'), { target: { value: ' secret ' } });
    fireEvent.input(screen.getByLabelText('Parallel limit'), { target: { value: '5' } });
    expect((screen.getByLabelText('Ask before spending over ($)') as HTMLInputElement).value).toBe('0.5');
    fireEvent.input(screen.getByLabelText('Ask before spending over ($)'), { target: { value: '$2.25' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(onSave).toHaveBeenCalledWith({
        companionUrl: 'http://127.0.0.1:8787',
        token: 'secret',
        parallelLimit: 5,
        askAboveUsd: 2.25,
      }),
    );
  });

  it('an empty threshold means never ask; a word is refused by name', async () => {
    const onSave = vi.fn();
    render(<SettingsPanel settings={defaultSettings} onSave={onSave} onClose={() => {}} />);
    const field = screen.getByLabelText('Ask before spending over ($)');
    fireEvent.input(field, { target: { value: 'lots' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBe('true'));
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.input(field, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ askAboveUsd: null })));
  });

  it('names what is wrong and does not save', async () => {
    const onSave = vi.fn();
    render(<SettingsPanel settings={defaultSettings} onSave={onSave} onClose={() => {}} />);
    fireEvent.input(screen.getByLabelText('Companion URL'), { target: { value: 'not a url' } });
    fireEvent.input(screen.getByLabelText('Parallel limit'), { target: { value: '11' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByLabelText('Companion URL').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByLabelText('Parallel limit').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/whole number from 1 to 10/)).toBeTruthy();
    expect(onSave).not.toHaveBeenCalled();
  });
});
