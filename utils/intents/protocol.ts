import { z } from 'zod';
import { apiKeySchema } from '@/utils/domain/companion';
import { directionSchema, jobIdSchema, MAX_PROMPT_LENGTH, MAX_SIZE, MIN_SIZE } from '@/utils/domain/job';
import { jobOptionsSchema, rotateOptionsSchema } from '@/utils/domain/options';
import { boardIdSchema, MAX_TAGS, normalizeTag, tagSchema } from '@/utils/domain/organise-schema';
import { MAX_BOARD_NAME } from '@/utils/domain/records';
import { SIZE_LIMITS, sizeProblem } from '@/utils/domain/sizes';
import { settingsSchema } from '@/utils/storage/settings';

/**
 * The intent protocol from the panel to the background. The panel never writes storage:
 * it sends one of these and renders whatever storage then holds.
 */
const seedSchema = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 32 - 1)
  .nullable();

/** A rotation's own PixelLab options (from and to view, image guidance) and seed; absent: PixelLab's defaults. */
export const rotateSettingsSchema = z.object({
  options: rotateOptionsSchema.optional(),
  seed: seedSchema.optional(),
});
export type RotateSettings = z.input<typeof rotateSettingsSchema>;

export const generateRequestSchema = z
  .object({
    prompt: z.string().trim().min(1, 'Enter a prompt').max(MAX_PROMPT_LENGTH),
    width: z.number().int().min(MIN_SIZE).max(MAX_SIZE),
    height: z.number().int().min(MIN_SIZE).max(MAX_SIZE),
    seed: seedSchema,
    count: z.number().int().min(1).max(20).default(1),
    /** PixelLab's options (pixflux, bitforge, inpaint, animate, the v2 character); null: pixflux's defaults. */
    options: jobOptionsSchema.nullable().optional(),
  })
  .superRefine((r, ctx) => {
    // Each PixelLab call takes its own sizes (sizes.ts): refused here, before anything is queued or paid.
    const mode = r.options?.mode ?? 'pixflux';
    const problem = sizeProblem(mode, r.width, r.height);
    if (!problem) return;
    const minArea = SIZE_LIMITS[mode].minArea;
    const message =
      minArea > 0 && r.width * r.height < minArea
        ? 'Width x height must be at least 32 x 32 pixels (1,024): PixelLab makes nothing smaller.'
        : `Width and height ${problem}.`;
    ctx.addIssue({ code: 'custom', message, path: ['width'] });
  });
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

/** A reference image's PNG as a data URL at most (the companion takes 8 MB of base64 per image). */
export const MAX_IMAGE_DATA_URL = 8_000_000;

/** Most jobs one organise, cancel or emptyTrash intent names (select all matching at 10k). */
export const MAX_INTENT_IDS = 10_000;
const jobIdsSchema = z.array(jobIdSchema).min(1).max(MAX_INTENT_IDS);
/** A tag as typed: normalised (normalizeTag: trimmed, lowercase) and then held to the stored tag's rules. */
const typedTagSchema = z.string().max(1000).transform(normalizeTag).pipe(tagSchema);
const boardNameSchema = z.string().trim().min(1, 'Enter a board name').max(MAX_BOARD_NAME);

/** One organising edit (utils/domain/organise.ts), applied to every job an `organise` intent names. */
export const organiseEditSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('star'), value: z.boolean() }),
  z.object({ op: z.literal('rate'), value: z.number().int().min(1).max(5).nullable() }),
  z.object({ op: z.literal('addTags'), tags: z.array(typedTagSchema).min(1).max(MAX_TAGS) }),
  z.object({ op: z.literal('removeTags'), tags: z.array(typedTagSchema).min(1).max(MAX_TAGS) }),
  z.object({ op: z.literal('addToBoard'), boardId: boardIdSchema }),
  z.object({ op: z.literal('removeFromBoard'), boardId: boardIdSchema }),
  z.object({ op: z.literal('trash') }),
  z.object({ op: z.literal('restore') }),
  z.object({ op: z.literal('notes'), value: z.string().max(10_000) }),
]);
export type OrganiseEdit = z.infer<typeof organiseEditSchema>;

/** Boards (records of their own, utils/domain/records.ts): `create` answers `ids: [boardId]`. */
const boardIntentSchema = z.discriminatedUnion('action', [
  z.object({ type: z.literal('board'), action: z.literal('create'), name: boardNameSchema }),
  z.object({ type: z.literal('board'), action: z.literal('rename'), id: boardIdSchema, name: boardNameSchema }),
  z.object({ type: z.literal('board'), action: z.literal('delete'), id: boardIdSchema }),
]);

/** The companion's queue record: paused or not, and the order queued jobs start in. */
const queueIntentSchema = z.discriminatedUnion('action', [
  z.object({ type: z.literal('queue'), action: z.literal('pause') }),
  z.object({ type: z.literal('queue'), action: z.literal('resume') }),
  /** `ids` (in their order) go just before `before`, or to the end of the queue when it is null. */
  z.object({
    type: z.literal('queue'),
    action: z.literal('move'),
    ids: z.array(jobIdSchema).min(1).max(500),
    before: jobIdSchema.nullable(),
  }),
]);

export const intentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('generate'), request: generateRequestSchema }),
  z.object({ type: z.literal('retry'), id: jobIdSchema }),
  z.object({ type: z.literal('delete'), id: jobIdSchema }),
  z.object({
    type: z.literal('rotate'),
    id: jobIdSchema,
    toDirection: directionSchema,
    fromDirection: directionSchema.nullable().default(null),
    ...rotateSettingsSchema.shape,
  }),
  z.object({ type: z.literal('rotate8'), id: jobIdSchema, ...rotateSettingsSchema.shape }),
  z.object({ type: z.literal('syncNow') }),
  /** The panel is open (sent on open and every few seconds): keeps the sync interval running. */
  z.object({ type: z.literal('panelOpen') }),
  /** A seed-format job_history.json, as text; merged, duplicates by id not doubled. */
  z.object({ type: z.literal('import'), text: z.string().max(512 * 1024 * 1024) }),
  z.object({ type: z.literal('clearHistory') }),
  /**
   * A PNG that is only in the browser (a dropped file, a painted mask), kept in the history store under its sha-256
   * so a job can name it; the sync sends it to the companion when a job needs it. The reply's `hash` names it.
   */
  z.object({ type: z.literal('putImage'), dataUrl: z.string().max(MAX_IMAGE_DATA_URL) }),
  z.object({ type: z.literal('saveSettings'), settings: settingsSchema }),
  /** Ask the companion for a pairing code; it prints the code on its console, never in the answer. */
  z.object({ type: z.literal('pairStart') }),
  /** The code the companion printed; on success the background saves the token in settings and syncs. */
  z.object({ type: z.literal('pairConfirm'), code: z.string().max(32) }),
  /**
   * The PixelLab key typed in the panel: passed once to the companion, which checks it with PixelLab and keeps it
   * in its config folder. Never stored in the browser.
   */
  z.object({ type: z.literal('setApiKey'), apiKey: apiKeySchema }),
  /** Makes the companion forget the key set from the panel. */
  z.object({ type: z.literal('removeApiKey') }),
  /** Seed debug API: pull now / push now. */
  z.object({ type: z.literal('loadFromServer') }),
  /** Read today's spend and the limits from the companion now (Insights opened). */
  z.object({ type: z.literal('refreshSpend') }),
  /** The cost ledger as CSV (one row per paid call), `from <= at < to` in ms; the reply's `text`. */
  z.object({
    type: z.literal('exportLedger'),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
  }),
  z.object({ type: z.literal('saveToStorage') }),
  /** Star, rate, tag, board, notes, trash and restore: the reply's `ids` are the jobs it changed. */
  z.object({ type: z.literal('organise'), ids: jobIdsSchema, edit: organiseEditSchema }),
  /** Purges (tombstones) the trashed jobs among `ids`, or every trashed job. */
  z.object({ type: z.literal('emptyTrash'), ids: jobIdsSchema.optional() }),
  boardIntentSchema,
  queueIntentSchema,
  /** Waiting (idle) or queued jobs become `cancelled`: the companion's runner drops them. */
  z.object({ type: z.literal('cancel'), ids: jobIdsSchema }),
]);
export type Intent = z.infer<typeof intentSchema>;
export type IntentInput = z.input<typeof intentSchema>;

export type IntentReply =
  | {
      ok: true;
      ids?: string[];
      imported?: number;
      skipped?: number;
      message?: string;
      text?: string;
      /** The sha-256 of the image a `putImage` kept. */
      hash?: string;
    }
  | { ok: false; error: string };

/** Tag on runtime messages so other senders' messages are ignored. */
export const INTENT_CHANNEL = 'pixellab-intent';
