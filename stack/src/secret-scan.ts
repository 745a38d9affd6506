import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import path from 'node:path';
import pg from 'pg';

/** A secret the stack used, with a name that may be printed (never the value). */
export interface KnownSecret {
  label: string;
  value: string;
}

/** Where a secret, or something shaped like a signature or secret, was found. */
export interface SecretLeak {
  file: string;
  line: number;
  what: string;
}

/**
 * Shapes that are secrets or signatures whatever their value: a Standard Webhooks or Stripe
 * secret, an API key made through /keys, a Standard Webhooks signature entry, a GitHub or Stripe
 * signature.
 */
const SHAPES: { what: string; re: RegExp }[] = [
  { what: 'a whsec_ secret', re: /whsec_[A-Za-z0-9+/=_-]{16,}/ },
  { what: 'an API key', re: /hpk_[0-9A-Za-z]{40}/ },
  { what: 'a Standard Webhooks signature', re: /\bv1,[A-Za-z0-9+/]{43}=/ },
  { what: 'a GitHub signature', re: /sha256=[0-9a-fA-F]{64}/ },
  { what: 'a Stripe signature', re: /\bv1=[0-9a-fA-F]{64}/ },
];

/**
 * Every secret the stack's databases hold at this moment (the receiver's keyring, the sender's
 * webhook secrets as stored) plus the given ones (API keys). Sealed sender secrets
 * (`SENDER_SECRET_KEY`) are skipped: what is stored is not the secret.
 */
export async function collectStackSecrets(
  urls: { databaseUrl: string; senderDatabaseUrl: string },
  known: readonly KnownSecret[],
): Promise<KnownSecret[]> {
  const found: KnownSecret[] = [...known];
  const read = async (url: string, sql: string, label: (row: Record<string, string>) => string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, string>>(sql);
      for (const row of rows) {
        if (row.value && !row.value.startsWith('sealed1:'))
          found.push({ label: label(row), value: row.value });
      }
    } finally {
      await client.end();
    }
  };
  await read(
    urls.databaseUrl,
    'SELECT id::text AS id, customer_id, secret AS value FROM receiver_secrets',
    (r) => `receiver secret ${r.id} of ${r.customer_id}`,
  );
  await read(
    urls.senderDatabaseUrl,
    'SELECT webhook_id, secret AS value FROM webhook_secrets',
    (r) => `sender secret of webhook ${r.webhook_id}`,
  );
  return found;
}

/** The log files of a stack (`<stack dir>/logs`, every file, however named). */
export function stackLogFiles(logsDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(logsDir);
  } catch {
    return [];
  }
  return names.map((n) => path.join(logsDir, n)).filter((f) => statSync(f).isFile());
}

/** Each file's current size: pass it to {@link scanForSecrets} to scan only what is written after. */
export function logOffsets(files: readonly string[]): Map<string, number> {
  return new Map(files.map((f) => [f, statSync(f).size]));
}

/**
 * Calls `onLine` with each line of a file from byte `from`, reading a chunk at a time: a stack's
 * logs after a long run (nginx's access log, a soak's) are larger than one string may be.
 */
function eachLine(
  file: string,
  from: number,
  chunkBytes: number,
  onLine: (text: string, line: number) => void,
): void {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(chunkBytes);
    // A chunk may end inside a multi-byte character: the decoder keeps it for the next one.
    const decoder = new StringDecoder('utf8');
    let position = from;
    let partial = '';
    let line = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, chunkBytes, position);
      if (read === 0) break;
      position += read;
      const parts = (partial + decoder.write(buffer.subarray(0, read))).split('\n');
      partial = parts.pop()!;
      for (const text of parts) onLine(text, ++line);
    }
    onLine(partial + decoder.end(), ++line);
  } finally {
    closeSync(fd);
  }
}

/**
 * Scans files for the known secrets (exact text) and for anything shaped like a secret or a
 * signature, from each file's offset in `since` (the start when absent). Reports file, line (of
 * the part scanned) and which secret (by label), never the value. Files are read in chunks of
 * `chunkBytes`, so their size does not matter.
 */
export function scanForSecrets(
  files: readonly string[],
  secrets: readonly KnownSecret[],
  since: ReadonlyMap<string, number> = new Map(),
  options: { chunkBytes?: number } = {},
): SecretLeak[] {
  // Short values would match by chance; every secret and key the stack makes is longer.
  const exact = secrets.filter((s) => s.value.length >= 12);
  const leaks: SecretLeak[] = [];
  for (const file of files) {
    eachLine(file, since.get(file) ?? 0, options.chunkBytes ?? 1 << 20, (text, line) => {
      for (const s of exact) {
        if (text.includes(s.value)) leaks.push({ file, line, what: s.label });
      }
      for (const shape of SHAPES) {
        if (shape.re.test(text)) leaks.push({ file, line, what: shape.what });
      }
    });
  }
  return leaks;
}

/** One line per leak, for a failing check. */
export function formatLeaks(leaks: readonly SecretLeak[]): string {
  return leaks.map((l) => `${l.file}:${l.line}: ${l.what}`).join('\n');
}
