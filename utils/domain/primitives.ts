import { z } from 'zod';

/** The eight directions, as PixelLab names them. */
export const directions = [
  'north',
  'north-east',
  'east',
  'south-east',
  'south',
  'south-west',
  'west',
  'north-west',
] as const;
export const directionSchema = z.enum(directions);
export type Direction = z.infer<typeof directionSchema>;

/** A content address: lowercase hex sha-256 of the PNG bytes. */
export const imageHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha-256 hex digest');
