import { z } from 'zod';
import { MAX_CLOCK_COUNTER, timeSchema } from './clock';

/**
 * The organising fields of a job (star, rating, tags, boards, notes, trash) as they are stored: each field's
 * value at the top level of the job, where the old dashboard ignores and gives it back, and each field's own
 * version in `fieldClocks`. They merge per field (organise.ts), apart from the rest of the job.
 */

/** A field's version: a hybrid logical clock reading (clock.ts) as `[ms, counter, node]`, compact in every record. */
export const stampSchema = z.tuple([
  timeSchema,
  z.number().int().nonnegative().max(MAX_CLOCK_COUNTER),
  z.string().max(64),
]);
export type Stamp = z.infer<typeof stampSchema>;

export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 40;
export const MAX_BOARDS = 32;
/** Values a set field may ever have held on one job (removed ones stay as tombstones so a remove syncs). */
export const MAX_SET_ENTRIES = 128;

/** A tag as stored: trimmed, inner whitespace collapsed, lowercase, so "Hero " and "hero" are one tag. */
export function normalizeTag(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

export const tagSchema = z
  .string()
  .min(1)
  .max(MAX_TAG_LENGTH)
  .refine((tag) => tag === normalizeTag(tag), 'must be trimmed and lowercase, without control characters');

/** Board ids are minted like job ids (`board-<time36>-<random>`): two offline replicas never mint the same. */
export const boardIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may only hold letters, digits and . _ : -');

/**
 * One value of an add-wins set with its dots: `a` holds, per node, the stamp of that node's latest add of the
 * value; `r` holds, per node, the latest of that node's adds that a remove has seen. The value is in the set
 * while some node's latest add is later than what was removed of it.
 */
function setEntrySchema<V extends z.ZodType<string>>(value: V) {
  return z.object({
    v: value,
    a: z.array(stampSchema).max(64),
    r: z.array(stampSchema).max(64).default([]),
  });
}
export const tagEntrySchema = setEntrySchema(tagSchema);
export const boardEntrySchema = setEntrySchema(boardIdSchema);
export type SetEntry = z.infer<typeof tagEntrySchema>;

export const fieldClocksSchema = z.object({
  starred: stampSchema.optional(),
  rating: stampSchema.optional(),
  notes: stampSchema.optional(),
  trashedAt: stampSchema.optional(),
  tags: z.array(tagEntrySchema).max(MAX_SET_ENTRIES).optional(),
  boards: z.array(boardEntrySchema).max(MAX_SET_ENTRIES).optional(),
});
export type FieldClocks = z.infer<typeof fieldClocksSchema>;

/** The organising fields as jobSchema holds them: all optional, so a job never organised carries none. */
export const organisingFieldsShape = {
  starred: z.boolean().optional(),
  /** 1-5 stars; null when a rating was cleared. */
  rating: z.number().int().min(1).max(5).nullable().optional(),
  /** At most MAX_TAGS are added by one edit; concurrent adds on two machines may leave more, and both stay. */
  tags: z.array(tagSchema).max(MAX_SET_ENTRIES).optional(),
  /** Ids of the boards (records of their own, records.ts) the job is on. */
  boards: z.array(boardIdSchema).max(MAX_SET_ENTRIES).optional(),
  /** Bounded by the record's own limit (64 KB, recordTooLarge), which names the size in its error. */
  notes: z.string().optional(),
  /** When the job went to the trash; null once restored. A trashed job that is deleted is purged. */
  trashedAt: timeSchema.nullable().optional(),
  /** Each organising field's own version. */
  fieldClocks: fieldClocksSchema.optional(),
};

export const REGISTER_FIELDS = ['starred', 'rating', 'notes', 'trashedAt'] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];
export const SET_FIELDS = ['tags', 'boards'] as const;
export type SetField = (typeof SET_FIELDS)[number];
/** Every top-level key the organising fields use. */
export const ORGANISING_KEYS = [...REGISTER_FIELDS, ...SET_FIELDS, 'fieldClocks'] as const;
