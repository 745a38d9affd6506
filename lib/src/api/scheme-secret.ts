import { z } from '@hono/zod-openapi';
import { PRINTABLE_SECRET_PATTERN, type SignatureScheme } from '../signing/schemes.js';
import { SECRET_PATTERN } from '../signing/standard-webhooks.js';

/** The schemes whose secrets are any printable ASCII string (the HMAC key is the secret's bytes). */
const PRINTABLE_SCHEMES = ['github', 'stripe'] as const satisfies readonly SignatureScheme[];

/** A Standard Webhooks secret: exactly what the signer decodes. */
export const standardSecretField = z
  .string()
  .regex(SECRET_PATTERN, 'must be whsec_ followed by base64 of 16-128 bytes')
  .openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

/** A GitHub or Stripe secret; also every Standard Webhooks secret is one. */
export const printableSecretField = z
  .string()
  .regex(PRINTABLE_SECRET_PATTERN, 'must be 16-256 printable ASCII characters')
  .openapi({ example: 'my GitHub webhook secret' });

/**
 * A body with a `signature_scheme` and a `secret` besides `shape`'s fields, as two strict objects
 * told apart by the scheme, so that the JSON Schema itself says which secrets a scheme takes:
 * Standard Webhooks (the scheme when none is given) a `whsec_` secret, GitHub and Stripe any
 * printable ASCII string of 16–256 characters. `secret` wraps the field (e.g. `.optional()`). A
 * secret that does not fit is a 400 naming `secret`; an unknown scheme one naming `signature_scheme`.
 */
export function schemeSecretBody<S extends z.ZodRawShape, W extends z.ZodType>(
  shape: S,
  secret: (field: typeof standardSecretField) => W,
) {
  return z.discriminatedUnion(
    'signature_scheme',
    [
      z.strictObject({
        ...shape,
        signature_scheme: z.literal('standard-webhooks').optional().openapi({ description: 'The default' }),
        secret: secret(standardSecretField),
      }),
      z.strictObject({
        ...shape,
        signature_scheme: z.enum(PRINTABLE_SCHEMES),
        secret: secret(printableSecretField),
      }),
    ],
    {
      error:
        'must be standard-webhooks (the default; its secrets are whsec_ + base64 of 16-128 bytes), github or stripe ' +
        '(16-256 printable ASCII characters)',
    },
  );
}
