import { createHash } from 'node:crypto';

/** Lowercase hex sha-256: the content address of an image, and the companion's one way to hash bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
