// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GenerateForm, type ReferenceRequest } from '@/components/GenerateForm';
import { makeSprite } from '@/tests/fixtures/png';
import { bytesToPngDataUrl, pngDataUrlToBytes } from '@/utils/domain/data-url';
import { sha256Hex } from '@/utils/domain/sha256';

/** The form's modes (bitforge, the v2 character, animate, inpaint after a reuse) and its image references. */
afterEach(cleanup);

const STYLE = makeSprite(32, 32, 'style sprite');
const STYLE_HASH = sha256Hex(STYLE);
const STYLE_URL = bytesToPngDataUrl(STYLE);

type Props = Parameters<typeof GenerateForm>[0];
function setup(props: Partial<Props> = {}) {
  const onGenerate = vi.fn();
  const onImportImage = vi.fn(async (dataUrl: string) => ({ hash: sha256Hex(pngDataUrlToBytes(dataUrl)!) }));
  const view = render(<GenerateForm onGenerate={onGenerate} onImportImage={onImportImage} {...props} />);
  const rerender = (more: Partial<Props>) =>
    view.rerender(<GenerateForm onGenerate={onGenerate} onImportImage={onImportImage} {...props} {...more} />);
  return { onGenerate, onImportImage, rerender };
}

const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });
const choose = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const generate = () => fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
const errorOf = (id: string) => {
  const field = document.getElementById(id)!;
  const described = field
    .getAttribute('aria-describedby')
    ?.split(' ')
    .find((d) => d.endsWith('-error'));
  return described ? document.getElementById(described)?.textContent : null;
};

/** A file the user chose in the slot's file picker. */
async function pickFile(label: string, file: File) {
  const input = screen.getByLabelText(`${label}: a PNG file`) as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await act(async () => {
    fireEvent.change(input);
  });
}

describe('GenerateForm modes', () => {
  it('offers text to image, style from a sprite, the v2 character and animate; inpaint only from a job', () => {
    setup();
    const mode = screen.getByLabelText('Mode') as HTMLSelectElement;
    expect([...mode.options].map((o) => o.value)).toEqual(['pixflux', 'bitforge', 'character', 'animate']);
    // Prompt, size, count and transparent stay up front; the rest is folded.
    expect(screen.getByLabelText('Transparent background')).toBeTruthy();
    expect((document.querySelector('details.more-options') as HTMLDetailsElement).open).toBe(false);
  });

  it('bitforge without a style sprite, or above 200 px, is refused in the form before anything is sent', async () => {
    const { onGenerate } = setup();
    type('Prompt', 'a tree');
    choose('Mode', 'bitforge');
    type('Width', '256');
    generate();
    await waitFor(() => expect(screen.getByText(/Choose a style sprite/)).toBeTruthy());
    expect(errorOf('gen-width')).toBe(
      'Width and height must be from 16 to 200 pixels for Style from a sprite (bitforge).',
    );
    expect(onGenerate).not.toHaveBeenCalled();
  });

  it('“Use as style” puts the job’s image in, as a pixelated thumbnail, switches to bitforge, and sends its hash', async () => {
    const { onGenerate, rerender } = setup();
    const reference: ReferenceRequest = {
      field: 'style_image',
      image: { hash: STYLE_HASH, url: STYLE_URL, label: 'a knight' },
    };
    rerender({ reference });
    await waitFor(() => expect((screen.getByLabelText('Mode') as HTMLSelectElement).value).toBe('bitforge'));
    const thumb = screen.getByTestId('style_image-thumb') as HTMLImageElement;
    expect(thumb.getAttribute('src')).toBe(STYLE_URL);
    expect(thumb.closest('.ref-thumb')).toBeTruthy();
    type('Prompt', 'a tree');
    fireEvent.click(screen.getByText('More options'));
    type('Style strength', '30');
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0]).toMatchObject({
      prompt: 'a tree',
      options: { mode: 'bitforge', style_image: STYLE_HASH, style_strength: 30 },
    });

    // Removed: bitforge has no style again, and says so.
    fireEvent.click(screen.getByRole('button', { name: 'Remove Style sprite' }));
    expect(screen.queryByTestId('style_image-thumb')).toBeNull();
    generate();
    await waitFor(() => expect(screen.getByText(/Choose a style sprite/)).toBeTruthy());
    expect(onGenerate).toHaveBeenCalledTimes(1);
  });

  it('a PNG file chosen as the init image is kept by the background and sent by hash; a non-PNG is refused', async () => {
    const { onGenerate, onImportImage } = setup();
    type('Prompt', 'a tree');
    fireEvent.click(screen.getByText('More options'));
    await pickFile('Start image', new File(['not a png'], 'notes.txt', { type: 'text/plain' }));
    await waitFor(() => expect(screen.getByText('notes.txt is not a PNG: choose a .png file.')).toBeTruthy());
    expect(onImportImage).not.toHaveBeenCalled();

    await pickFile('Start image', new File([STYLE.slice()], 'start.png', { type: 'image/png' }));
    await waitFor(() => expect(screen.getByTestId('init_image-thumb')).toBeTruthy());
    expect(onImportImage).toHaveBeenCalledWith(STYLE_URL);
    type('Start image strength', '500');
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0].options).toMatchObject({
      mode: 'pixflux',
      init_image: STYLE_HASH,
      init_image_strength: 500,
    });
  });

  it('a palette image dropped on its slot is used the same way', async () => {
    const { onGenerate } = setup();
    type('Prompt', 'a tree');
    fireEvent.click(screen.getByText('More options'));
    const slot = document.querySelector('[data-field="color_image"]')!;
    const file = new File([STYLE.slice()], 'palette.png', { type: 'image/png' });
    await act(async () => {
      fireEvent.drop(slot, { dataTransfer: { files: [file] } });
    });
    await waitFor(() => expect(screen.getByTestId('color_image-thumb')).toBeTruthy());
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0].options).toMatchObject({ mode: 'pixflux', color_image: STYLE_HASH });
  });

  it('the v2 character sends its 4 or 8 directions, and needs at least 32 px', async () => {
    const { onGenerate } = setup();
    type('Prompt', 'a wizard');
    choose('Mode', 'character');
    expect(screen.getByText(/instead of rotating one image 8 times/)).toBeTruthy();
    choose('Directions', '4');
    type('Width', '16');
    type('Height', '64');
    generate();
    await waitFor(() => expect(errorOf('gen-width')).toContain('from 32 to 400 pixels'));
    type('Width', '48');
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0]).toMatchObject({
      width: 48,
      options: { mode: 'character', n_directions: 4 },
    });
  });

  it('animate needs an action and a sprite, and 64×64', async () => {
    const { onGenerate, rerender } = setup();
    type('Prompt', 'a wizard');
    choose('Mode', 'animate');
    type('Width', '32');
    generate();
    await waitFor(() => expect(screen.getByText(/Say what the sprite does/)).toBeTruthy());
    expect(screen.getByText(/Choose the sprite to animate/)).toBeTruthy();
    expect(errorOf('gen-width')).toContain('must be 64x64');
    rerender({ reference: { field: 'reference_image', image: { hash: STYLE_HASH, url: STYLE_URL, label: 'x' } } });
    type('Action', 'walk');
    type('Width', '64');
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0].options).toMatchObject({
      mode: 'animate',
      action: 'walk',
      reference_image: STYLE_HASH,
      n_frames: 4,
      view: 'side',
      direction: 'east',
    });
  });

  it('“reuse settings” of an inpaint job restores its mode, images and thumbnails; it sends them again', async () => {
    const mask = 'b'.repeat(64);
    const options = { mode: 'inpaint', inpainting_image: STYLE_HASH, mask_image: mask, text_guidance_scale: 4 };
    const { onGenerate, rerender } = setup({ imageUrl: (hash) => (hash === STYLE_HASH ? STYLE_URL : undefined) });
    rerender({ prefill: { prompt: 'a red hat', width: 32, height: 32, seed: 5, options } });
    await waitFor(() => expect((screen.getByLabelText('Mode') as HTMLSelectElement).value).toBe('inpaint'));
    expect((screen.getByTestId('inpainting_image-thumb') as HTMLImageElement).getAttribute('src')).toBe(STYLE_URL);
    // The mask is not in this browser: its hash shows instead.
    expect(document.querySelector('[data-field="mask_image"] .ref-hash')?.textContent).toBe('bbbbbbbb');
    generate();
    await waitFor(() => expect(onGenerate).toHaveBeenCalledTimes(1));
    expect(onGenerate.mock.calls[0]![0]).toMatchObject({ seed: 5, options });
  });
});
