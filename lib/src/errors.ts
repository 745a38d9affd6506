/**
 * An error that crosses a boundary (database, broker, HTTP peer). `retriable` says whether the
 * same operation may succeed later without any change to its input.
 */
export class HookpipeError extends Error {
  override readonly name: string = 'HookpipeError';
  readonly retriable: boolean;
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
  }
}

/** Best-effort message of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** Best-effort class name of anything thrown. */
export function errorClass(err: unknown): string {
  if (err instanceof Error) return err.name || err.constructor.name;
  return typeof err;
}
