/**
 * The JSON that describes a sprite sheet, in TexturePacker's "JSON (Hash)" and "JSON (Array)" layouts: the
 * ones Aseprite exports and Phaser, Godot's and Unity's TexturePacker importers read. One schema for both, so
 * what is written can be parsed back and checked against the PNG.
 */
import { z } from 'zod';

const rect = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int(),
  h: z.number().int(),
});
const size = z.object({ w: z.number().int().min(1), h: z.number().int().min(1) });

export const atlasFrameSchema = z.object({
  frame: rect,
  rotated: z.literal(false),
  trimmed: z.literal(false),
  spriteSourceSize: rect,
  sourceSize: size,
  /** Aseprite's frame time in ms; engines that animate from the atlas read it. */
  duration: z.number().int().min(1).optional(),
});
export type AtlasFrame = z.infer<typeof atlasFrameSchema>;

const metaSchema = z.object({
  app: z.string(),
  version: z.string(),
  image: z.string().min(1),
  format: z.literal('RGBA8888'),
  size,
  /** TexturePacker writes the scale as a string. */
  scale: z.string(),
  /** Aseprite's animation tags: one for the whole sheet, played forward. */
  frameTags: z
    .array(
      z.object({ name: z.string(), from: z.number().int(), to: z.number().int(), direction: z.literal('forward') }),
    )
    .optional(),
});

export const atlasHashSchema = z.object({ frames: z.record(z.string(), atlasFrameSchema), meta: metaSchema });
export const atlasArraySchema = z.object({
  frames: z.array(atlasFrameSchema.extend({ filename: z.string() })),
  meta: metaSchema,
});
export type AtlasHash = z.infer<typeof atlasHashSchema>;
export type AtlasArray = z.infer<typeof atlasArraySchema>;
export type AtlasMeta = z.infer<typeof metaSchema>;

/** The same frames in the array layout (frame order kept: JSON objects keep insertion order for string keys). */
export function hashToArray(atlas: AtlasHash): AtlasArray {
  return {
    frames: Object.entries(atlas.frames).map(([filename, frame]) => ({ filename, ...frame })),
    meta: atlas.meta,
  };
}
