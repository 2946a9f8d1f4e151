// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CompanionGuide } from '@/components/CompanionGuide';
import { KeySettings } from '@/components/KeySettings';
import { syncStateSchema } from '@/utils/storage/layout';

afterEach(cleanup);

const offline = { online: false, lastError: 'The companion at http://127.0.0.1:8787 is not reachable (ECONNREFUSED)' };

function guide(
  sync: Record<string, unknown>,
  onSaveKey: (key: string) => Promise<string | null> = vi.fn(async () => null),
) {
  const onCopy = vi.fn();
  render(
    <CompanionGuide sync={syncStateSchema.parse(sync)} panelApiVersion={2} onCopy={onCopy} onSaveKey={onSaveKey} />,
  );
  return { onCopy, onSaveKey };
}

describe('CompanionGuide', () => {
  it('first run, no companion: says what it is, and copies the commands that start it and keep it running', () => {
    const { onCopy } = guide(offline);
    const card = screen.getByRole('region', { name: 'Start the PixelLab companion' });
    expect(card.textContent).toContain('The companion is a small program on this computer');
    expect(screen.getAllByTestId('command').map((c) => c.textContent)).toEqual([
      'npx pixellab-companion',
      'npx pixellab-companion service install',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Copy the command: npx pixellab-companion' }));
    expect(onCopy).toHaveBeenCalledWith('npx pixellab-companion');
    expect(screen.getByRole('link', { name: 'Setup guide' }).getAttribute('href')).toBe(
      'https://www.npmjs.com/package/pixellab-companion',
    );
    expect(card.textContent).toContain('ECONNREFUSED');
  });

  it('a companion seen before and now stopped: a notice that keeps the history in view', () => {
    guide({ ...offline, serverId: 'server-a' });
    expect(screen.getByRole('region', { name: 'Companion offline' }).textContent).toContain(
      'Showing the history saved in this browser',
    );
  });

  it('shows nothing while connecting, or online with a key', () => {
    guide({});
    guide({ online: true, apiKeyDetected: true, apiVersion: 2 });
    expect(document.body.textContent).toBe('');
  });

  it('asks for the key when the companion has none, checks the paste before sending, and shows a refusal', async () => {
    const onSaveKey = vi.fn(
      async (key: string): Promise<string | null> =>
        key === 'right-key-123456' ? null : 'The key was not saved: PixelLab did not accept this key (HTTP 401).',
    );
    guide({ online: true, apiKeyDetected: false, apiVersion: 2 }, onSaveKey);
    const field = screen.getByLabelText('PixelLab API key') as HTMLInputElement;
    expect(field.type).toBe('password');
    fireEvent.input(field, { target: { value: 'has spaces in it' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/spaces/);
    expect(onSaveKey).not.toHaveBeenCalled();

    fireEvent.input(field, { target: { value: 'wrong-key-123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('did not accept this key'));
    expect(field.getAttribute('aria-invalid')).toBe('true');

    fireEvent.input(field, { target: { value: ' right-key-123456 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(field.value).toBe(''));
    expect(onSaveKey).toHaveBeenLastCalledWith('right-key-123456');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('pairing comes before the key; an older companion is asked to update', () => {
    guide({ online: true, apiKeyDetected: false, pairing: 'required', apiVersion: 2 });
    expect(screen.queryByTestId('key-prompt')).toBeNull();
    cleanup();
    guide({ online: true, apiKeyDetected: false, apiVersion: 1 });
    expect(screen.getByRole('region', { name: 'Update your companion' }).textContent).toContain(
      'npx pixellab-companion@latest service install',
    );
  });
});

describe('KeySettings', () => {
  it('replaces or removes a key set from the panel; a key from the environment is changed there', async () => {
    const onSaveKey = vi.fn(async () => null);
    const onRemoveKey = vi.fn(async () => null);
    render(<KeySettings source="file" onSaveKey={onSaveKey} onRemoveKey={onRemoveKey} />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove key' }));
    await waitFor(() => expect(onRemoveKey).toHaveBeenCalledTimes(1));
    fireEvent.click(screen.getByRole('button', { name: 'Replace key' }));
    fireEvent.input(screen.getByLabelText('PixelLab API key'), { target: { value: 'next-key-123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(screen.queryByLabelText('PixelLab API key')).toBeNull());
    expect(onSaveKey).toHaveBeenCalledWith('next-key-123456');
    cleanup();

    render(<KeySettings source="environment" onSaveKey={onSaveKey} onRemoveKey={onRemoveKey} />);
    expect(screen.getByTestId('key-source').textContent).toContain('change it there');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
