import { z } from 'zod';

/**
 * A receiver-side fault profile (docs/receiver-faults.md): what the handlers do to a customer's
 * verified requests before Kafka. Shares are drawn once per request, in this order: `status`,
 * then `delay`, then `drop`; their sum is at most 1 and the rest passes untouched. With
 * `first_attempts`, only the first N attempts of each message id meet a fault. The consumer's API
 * validates it with this schema and stores it as JSON; the handlers read it back with it.
 */
export const FAULT_MAX_DELAY_MS = 10_000;

const share = z.number().min(0).max(1);

export const faultProfileSchema = z
  .object({
    status: z
      .object({
        share,
        code: z
          .number()
          .int()
          .min(400)
          .max(599)
          .refine((c) => c !== 502, {
            message:
              '502 is the ingress’s own “replica failed” answer (nginx tries another replica); use 500, 503 or 504',
          }),
        retry_after_s: z.number().int().min(0).max(3600).optional(),
      })
      .strict()
      .optional(),
    delay: z
      .object({ share, ms: z.number().int().min(1).max(FAULT_MAX_DELAY_MS) })
      .strict()
      .optional(),
    drop: z.object({ share }).strict().optional(),
    first_attempts: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((p) => (p.status?.share ?? 0) + (p.delay?.share ?? 0) + (p.drop?.share ?? 0) <= 1 + 1e-9, {
    message: 'the shares of status, delay and drop add up to more than 1',
  });

export type FaultProfile = z.infer<typeof faultProfileSchema>;

export type FaultAction =
  | { kind: 'pass' }
  | { kind: 'status'; code: number; retryAfterSeconds: number | undefined }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' };

/**
 * What to do with one request under `profile`: `attempt` is this message id's attempt number
 * (1-based; undefined when it could not be counted), `draw` a uniform number in [0, 1).
 */
export function decideFault(profile: FaultProfile, attempt: number | undefined, draw: number): FaultAction {
  if (profile.first_attempts !== undefined && (attempt === undefined || attempt > profile.first_attempts)) {
    return { kind: 'pass' };
  }
  let edge = profile.status?.share ?? 0;
  if (profile.status && draw < edge) {
    return { kind: 'status', code: profile.status.code, retryAfterSeconds: profile.status.retry_after_s };
  }
  edge += profile.delay?.share ?? 0;
  if (profile.delay && draw < edge) return { kind: 'delay', ms: profile.delay.ms };
  edge += profile.drop?.share ?? 0;
  if (profile.drop && draw < edge) return { kind: 'drop' };
  return { kind: 'pass' };
}
