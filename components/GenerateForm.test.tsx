// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GenerateForm, PRESETS, validateForm } from '@/components/GenerateForm';
import { MAX_SIZE, MIN_SIZE } from '@/utils/domain/job';
import { estimateCallUsd } from '@/utils/domain/spend';

afterEach(cleanup);

function setup(props: Partial<Parameters<typeof GenerateForm>[0]> = {}) {
  const onGenerate = vi.fn();
  const view = render(<GenerateForm onGenerate={onGenerate} {...props} />);
  return { onGenerate, ...view };
}

const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

describe('GenerateForm', () => {
  it('has the labelled fields and the Generate button', () => {
    setup();
    for (const label of ['Prompt', 'Width', 'Height', 'Seed', 'Count'])
      expect(screen.getByLabelText(label)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Generate' })).toBeTruthy();
    expect((screen.getByLabelText('Width') as HTMLInputElement).value).toBe('64');
    // "optional" is outside the Seed label, and describes the field.
    const seed = screen.getByLabelText('Seed');
    const hint = document.getElementById(seed.getAttribute('aria-describedby')!.split(' ')[0]!);
    expect(hint?.textContent).toBe('optional');
  });

  it('shows validation messages next to the fields and does not send', async () => {
    const { onGenerate } = setup();
    type('Width', String(MIN_SIZE - 1));
    type('Count', '21');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));

    const prompt = screen.getByLabelText('Prompt');
    await waitFor(() => expect(prompt.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(prompt.getAttribute('aria-describedby')!)?.textContent).toBe('Enter a prompt.');
    const width = screen.getByLabelText('Width');
    expect(width.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(width.getAttribute('aria-describedby')!)?.textContent).toContain(
      `${MIN_SIZE} to ${MAX_SIZE}`,
    );
    expect(screen.getByLabelText('Count').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Height').getAttribute('aria-invalid')).toBeNull();
    expect(onGenerate).not.toHaveBeenCalled();
    // Focus goes to the first invalid field.
    expect(document.activeElement).toBe(prompt);

    // Messages follow edits once shown.
    type('Prompt', 'a knight');
    await waitFor(() => expect(prompt.getAttribute('aria-invalid')).toBeNull());
  });

  it('rejects sizes over 400, fractional sizes and bad seeds', () => {
    const base = { prompt: 'x', width: '64', height: '64', seed: '', count: '1' };
    expect(validateForm({ ...base, height: String(MAX_SIZE + 1) }).errors.height).toBeTruthy();
    expect(validateForm({ ...base, width: '32.5' }).errors.width).toBeTruthy();
    expect(validateForm({ ...base, seed: '-1' }).errors.seed).toBeTruthy();
    expect(validateForm({ ...base, prompt: '   ' }).errors.prompt).toBe('Enter a prompt.');
    expect(
      validateForm({ ...base, seed: '7', width: String(MIN_SIZE), height: String(MAX_SIZE), count: '20' }).request,
    ).toEqual({
      prompt: 'x',
      width: MIN_SIZE,
      height: MAX_SIZE,
      seed: 7,
      count: 20,
    });
  });

  it('fills the prompt and 64x64 from a preset', () => {
    setup();
    type('Width', '128');
    fireEvent.click(screen.getByRole('button', { name: 'Dragon' }));
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe(
      'adorable pixel dragon companion, bright scales, tiny wings',
    );
    expect((screen.getByLabelText('Width') as HTMLInputElement).value).toBe('64');
    expect(screen.getByRole('button', { name: 'Dragon' }).getAttribute('aria-pressed')).toBe('true');
    expect(PRESETS.map((p) => p.id)).toEqual(['knight', 'mage', 'dragon', 'warrior', 'wizard']);
  });

  it('sends the request through the callback', async () => {
    const { onGenerate } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Knight' }));
    type('Seed', '42');
    type('Count', '3');
    type('Height', '96');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate).toHaveBeenCalledWith({
      prompt: 'heroic knight with glowing sword, blue cape, ready stance',
      width: 64,
      height: 96,
      seed: 42,
      count: 3,
    });
  });

  it('leaves the seed null when empty and trims the prompt', async () => {
    const { onGenerate } = setup();
    type('Prompt', '  wizard cat  ');
    fireEvent.submit(screen.getByRole('form', { name: 'New image' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalled());
    expect(onGenerate.mock.calls[0]![0]).toEqual({ prompt: 'wizard cat', width: 64, height: 64, seed: null, count: 1 });
  });

  it('folds away for this visit and keeps what was typed; reusing a job opens it again', async () => {
    const { rerender, onGenerate } = setup();
    const toggle = screen.getByRole('button', { name: 'New job' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    type('Prompt', 'half typed');
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect((document.getElementById('gen-body') as HTMLElement).hidden).toBe(true);
    expect(screen.queryByRole('group', { name: 'Presets' })).toBeNull();
    fireEvent.click(toggle);
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('half typed');

    fireEvent.click(toggle);
    rerender(<GenerateForm onGenerate={onGenerate} prefill={{ prompt: 'old job', width: 40, height: 48, seed: 9 }} />);
    await waitFor(() => expect(toggle.getAttribute('aria-expanded')).toBe('true'));
    expect((document.getElementById('gen-body') as HTMLElement).hidden).toBe(false);
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('old job');
  });

  it('takes reused settings from a job', async () => {
    const { rerender, onGenerate } = setup();
    rerender(<GenerateForm onGenerate={onGenerate} prefill={{ prompt: 'old job', width: 40, height: 48, seed: 9 }} />);
    await waitFor(() => expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('old job'));
    expect((screen.getByLabelText('Height') as HTMLInputElement).value).toBe('48');
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('9');
  });

  it('sends PixelLab’s options under their own names, and none when every one is the default', async () => {
    const { onGenerate } = setup();
    type('Prompt', 'slime');
    fireEvent.click(screen.getByLabelText('Transparent background'));
    fireEvent.change(screen.getByLabelText('Outline'), { target: { value: 'lineless' } });
    fireEvent.change(screen.getByLabelText('Direction'), { target: { value: 'south-east' } });
    type('Prompt strength', '12.5');
    fireEvent.click(screen.getByLabelText('Isometric'));
    expect(screen.getByText('More options').textContent).toContain('4 set');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0].options).toMatchObject({
      mode: 'pixflux',
      no_background: true,
      outline: 'lineless',
      direction: 'south-east',
      isometric: true,
      text_guidance_scale: 12.5,
      shading: null,
      coverage_percentage: null,
    });

    expect(validateForm({ prompt: 'x', width: '64', height: '64', seed: '', count: '1' }).request).not.toHaveProperty(
      'options',
    );
  });

  it('says what is wrong with an option, opens "More options" and does not send', async () => {
    const { onGenerate } = setup();
    type('Prompt', 'slime');
    type('Coverage %', '140');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    const coverage = screen.getByLabelText('Coverage %');
    await waitFor(() => expect(coverage.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(coverage.getAttribute('aria-describedby')!)?.textContent).toMatch(/0 to 100/);
    expect((coverage.closest('details') as HTMLDetailsElement).open).toBe(true);
    expect(document.activeElement).toBe(coverage);
    expect(onGenerate).not.toHaveBeenCalled();
  });

  it('notes that PixelLab paints a plain background above 200×200', () => {
    setup();
    fireEvent.click(screen.getByLabelText('Transparent background'));
    expect(screen.queryByText(/plain background/)).toBeNull();
    type('Width', '256');
    type('Height', '256');
    expect(screen.getByText(/above 200×200 PixelLab paints a plain background/)).toBeTruthy();
  });

  it('restores a job’s options with “reuse settings”', async () => {
    const { rerender, onGenerate } = setup();
    const options = { mode: 'pixflux', no_background: true, shading: 'flat shading', coverage_percentage: 40 };
    rerender(
      <GenerateForm onGenerate={onGenerate} prefill={{ prompt: 'old', width: 64, height: 64, seed: 1, options }} />,
    );
    await waitFor(() => expect((screen.getByLabelText('Shading') as HTMLSelectElement).value).toBe('flat shading'));
    expect((screen.getByLabelText('Transparent background') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Coverage %') as HTMLInputElement).value).toBe('40');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0].options).toMatchObject(options);
  });

  it("says what Generate will cost before it is pressed, by the guard's rule, and nothing while a field is wrong", () => {
    const prices = { 'generate:64x64': { usd: 0.0125, at: 1 } };
    setup({ estimateUsd: (width, height) => estimateCallUsd(prices, { kind: 'generate', width, height }).usd });
    expect(screen.getByTestId('cost-preview').textContent).toBe('About $0.0125');
    type('Count', '4');
    expect(screen.getByTestId('cost-preview').textContent).toBe('About $0.05 (4 × $0.0125)');
    // Another size: the newest price of the kind scaled by area.
    type('Width', '32');
    type('Height', '32');
    expect(screen.getByTestId('cost-preview').textContent).toBe(`About $0.0125 (4 × $0.0031)`);
    type('Width', '9999');
    expect(screen.queryByTestId('cost-preview')).toBeNull();
  });

  it('asks before a Generate that would cost more than the threshold, and sends only on yes', async () => {
    const { onGenerate } = setup({ estimateUsd: () => 0.2, askAboveUsd: 0.5 });
    type('Prompt', 'a knight');
    type('Count', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    // $0.40 is under the threshold: sent at once.
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    type('Count', '3');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('about $0.60');
    expect(dialog.textContent).toContain('$0.50');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onGenerate).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Generate for $0.60' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(2));
    expect(onGenerate.mock.calls[1]![0]).toMatchObject({ prompt: 'a knight', count: 3 });
  });

  it('never asks without a threshold', async () => {
    const { onGenerate } = setup({ estimateUsd: () => 5, askAboveUsd: null });
    type('Prompt', 'a dragon');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('shows no cost without a price source', () => {
    setup();
    expect(screen.queryByTestId('cost-preview')).toBeNull();
  });
});
