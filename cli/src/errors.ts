/** The exit codes of every `hookpipe` command (documented in `hookpipe --help` and docs/scenarios.md). */
export const EXIT = {
  /** Success; for `run`, every expectation passed. */
  ok: 0,
  /** A check failed: a verdict line, an unhealthy part, a reconcile mismatch. */
  failed: 1,
  /** A usage error or an invalid scenario: nothing was started. */
  usage: 2,
  /** The target or the stack could not be reached. */
  unreachable: 3,
  /** Interrupted (Ctrl-C), after printing what was measured. */
  interrupted: 130,
} as const;

/** A command takes its name and the arguments after it and resolves to its exit code. */
export type Command = (command: string, argv: string[]) => Promise<number>;

/** Wrong arguments: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The sender, the receiver or the stack did not answer (or refused the key): exit 3. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    message: string,
    readonly retriable = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
