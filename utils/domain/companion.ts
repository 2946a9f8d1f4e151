import { z } from 'zod';
import { COMPANION_PACKAGE_NAME } from './companion-package';

/**
 * The companion as a user meets it beyond its package (companion-package.ts): the pairing command, the guide, and
 * the shapes of the first-run routes (the PixelLab key set from the panel, pairing approved on a page).
 */

/** Approves a waiting pairing request from a terminal. */
export const COMPANION_PAIR_COMMAND = `npx ${COMPANION_PACKAGE_NAME} pair`;
/** The package's page: its README is the user quick start (the commands, the service, where the history lives). */
export const COMPANION_GUIDE_URL = `https://www.npmjs.com/package/${COMPANION_PACKAGE_NAME}`;

/** Where the companion's PixelLab key comes from; the environment (or .env) wins over the saved file. */
export const apiKeySourceSchema = z.enum(['environment', 'dotenv', 'file', 'none']);
export type ApiKeySource = z.infer<typeof apiKeySourceSchema>;

/** PixelLab keys are UUID-like tokens; anything with spaces or controls is a paste gone wrong. */
export const apiKeySchema = z
  .string()
  .trim()
  .min(8, 'The key is too short: paste the whole key from your PixelLab account')
  .max(512, 'The key is too long: paste only the key')
  .regex(/^[\x21-\x7e]+$/, 'The key has spaces or characters a PixelLab key never has: paste only the key');

/** `PUT /api/v1/key`: checked against PixelLab's balance before it is kept. */
export const apiKeyBodySchema = z.object({ apiKey: apiKeySchema });
export type ApiKeyBody = z.infer<typeof apiKeyBodySchema>;

/** What the key routes answer: never the key, only where it comes from and what PixelLab said. */
export const apiKeyResponseSchema = z.object({
  source: apiKeySourceSchema,
  /** The balance PixelLab reported while checking a new key (USD). */
  balanceUsd: z.number().optional(),
});
export type ApiKeyResponse = z.infer<typeof apiKeyResponseSchema>;

/** `POST /pair/claim`: the requester asks whether its request was approved on the companion's page. */
export const pairClaimBodySchema = z.object({ requestId: z.string().min(1).max(200) });
export const pairClaimResponseSchema = z.union([
  z.object({ status: z.literal('approved'), token: z.string().min(32).max(512) }),
  z.object({ status: z.literal('waiting'), expiresAt: z.number() }),
]);
export type PairClaimResponse = z.infer<typeof pairClaimResponseSchema>;

/** `POST /pair` from the approval page (or `<bin> pair`): one decision on one waiting request. */
export const pairDecisionBodySchema = z.object({
  approvalId: z.string().min(1).max(200),
  decision: z.enum(['approve', 'deny']),
  csrf: z.string().min(1).max(200),
});
export type PairDecisionBody = z.infer<typeof pairDecisionBodySchema>;

/** `GET /pair` as JSON (for `<bin> pair`): the waiting requests, and the one-time proof a decision must carry. */
export const pairWaitingSchema = z.object({
  approvalId: z.string(),
  clientName: z.string(),
  /** Where it really asks from: an extension origin, or "a local program". */
  from: z.string(),
  expiresAt: z.number(),
});
export type PairWaiting = z.infer<typeof pairWaitingSchema>;
export const pairPageJsonSchema = z.object({ csrf: z.string(), waiting: z.array(pairWaitingSchema) });
export type PairPageJson = z.infer<typeof pairPageJsonSchema>;
