import { z } from 'zod';

/** The user's settings (`settings` key): written by the background when the panel sends `saveSettings`. */
export const settingsSchema = z.object({
  companionUrl: z.string().url().default('http://127.0.0.1:8787'),
  token: z.string().max(512).default(''),
  parallelLimit: z.number().int().min(1).max(10).default(3),
  /** Generate asks first when it would likely cost more than this (USD); null: never asks. */
  askAboveUsd: z.number().min(0).max(10_000).nullable().default(0.5),
});
export type Settings = z.infer<typeof settingsSchema>;
export const defaultSettings: Settings = settingsSchema.parse({});
