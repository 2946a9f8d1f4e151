/** PNG data URLs, the seed's way of carrying images, to and from bytes. Pure: atob/btoa exist in Node and browsers. */
const PNG_PREFIX = 'data:image/png;base64,';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPngDataUrl(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PNG_PREFIX);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The platform's native encoder, where there is one: Uint8Array#toBase64 (browsers), else Node's Buffer. */
const nativeBase64: ((bytes: Uint8Array) => string) | null = (() => {
  if (typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64 === 'function')
    return (bytes) => (bytes as Uint8Array & { toBase64(): string }).toBase64();
  const buffer = (
    globalThis as { Buffer?: { from(b: ArrayBuffer, o: number, l: number): { toString(e: string): string } } }
  ).Buffer;
  return buffer
    ? (bytes) => buffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString('base64')
    : null;
})();

/**
 * Base64 of the bytes: natively where the platform can (10x faster: /load-jobs encodes every image of the
 * history on its first answer), else through btoa.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  if (nativeBase64) return nativeBase64(bytes);
  let binary = '';
  // Chunked: String.fromCharCode(...bytes) overflows the stack on large images.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decodes a PNG data URL; null when it is not one or the bytes are not a PNG. */
export function pngDataUrlToBytes(dataUrl: string): Uint8Array | null {
  if (!isPngDataUrl(dataUrl)) return null;
  try {
    const bytes = base64ToBytes(dataUrl.slice(PNG_PREFIX.length).replace(/\s/g, ''));
    return isPng(bytes) ? bytes : null;
  } catch {
    return null;
  }
}

export function bytesToPngDataUrl(bytes: Uint8Array): string {
  return PNG_PREFIX + bytesToBase64(bytes);
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}
