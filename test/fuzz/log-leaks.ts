/**
 * The log check of the fuzz test: the secrets the fuzzer chose must reach no log. Hypothesis
 * reuses a string it generated in other fields of the same request, so a secret may also be the
 * request's customer id (`"customer_id": "9c~AS+E'gS01V05_>7+"` and `"secret"` the same), which
 * the services log as plain data. A hit counts only when the secret is still in the line without
 * the fields that hold such data.
 */
import { readFileSync } from 'node:fs';
import { scanForSecrets, type KnownSecret, type SecretLeak } from '@hookpipe/stack';

/** Log fields whose values are what a caller sent as ids or names, never a secret. */
const DATA_FIELDS = ['customerId', 'customers', 'eventType'];

function withoutData(line: string): string {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    for (const field of DATA_FIELDS) delete record[field];
    return JSON.stringify(record);
  } catch {
    return line;
  }
}

/** The leaks of `secrets` in `files` after `since`, less those only in the data fields above. */
export function fuzzLeaks(
  files: readonly string[],
  secrets: readonly KnownSecret[],
  since: ReadonlyMap<string, number> = new Map(),
): SecretLeak[] {
  const lines = new Map<string, string[]>();
  // The scan numbers lines from its offset in the file; so does this.
  const lineOf = (file: string, line: number) => {
    if (!lines.has(file)) {
      lines.set(
        file,
        readFileSync(file)
          .subarray(since.get(file) ?? 0)
          .toString('utf8')
          .split('\n'),
      );
    }
    return lines.get(file)![line - 1] ?? '';
  };
  return scanForSecrets(files, secrets, since).filter((leak) => {
    const line = withoutData(lineOf(leak.file, leak.line));
    return secrets.some((s) => s.label === leak.what && line.includes(s.value));
  });
}
