import { z } from 'zod';

/**
 * Pairing (README, "Security"): the extension asks for a code, the companion prints it on its
 * console, the user types it in the panel, and the companion answers with a token that the
 * extension then sends as `Authorization: Bearer <token>`. The code never travels over HTTP.
 */
export const PAIRING_CODE_DIGITS = 6;
export const MAX_CLIENT_NAME_LENGTH = 100;

export const pairRequestBodySchema = z.object({
  clientName: z.string().trim().min(1, 'Name the client').max(MAX_CLIENT_NAME_LENGTH),
});
export type PairRequestBody = z.infer<typeof pairRequestBodySchema>;

export const pairRequestResponseSchema = z.object({
  requestId: z.string().min(1).max(200),
  /** Milliseconds since the epoch, on the companion's clock. */
  expiresAt: z.number(),
});
export type PairRequestResponse = z.infer<typeof pairRequestResponseSchema>;

export const pairConfirmBodySchema = z.object({
  requestId: z.string().min(1).max(200),
  code: z.string().max(32),
});
export type PairConfirmBody = z.infer<typeof pairConfirmBodySchema>;

export const pairConfirmResponseSchema = z.object({ token: z.string().min(32).max(512) });
export type PairConfirmResponse = z.infer<typeof pairConfirmResponseSchema>;

export const pairRevokeResponseSchema = z.object({ revoked: z.boolean() });

/** The code as typed, spaces and dashes removed; null unless it is exactly six digits. */
export function normalizePairingCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${PAIRING_CODE_DIGITS}}$`).test(code) ? code : null;
}
