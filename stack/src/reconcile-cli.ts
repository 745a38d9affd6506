#!/usr/bin/env node
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './context.js';
import { readEnvFile } from './nginx.js';
import { formatReport, reconcileOk, reconcileWhenSettled } from './reconcile.js';

const USAGE = `usage: npm run reconcile -- [--customer <id>]... [--target <url prefix>] [--wait <seconds>]

Compares the webhook-ids the sender got a 2xx for with the receiver's events and dead letters;
prints delivered / persisted / dead-lettered / missing / duplicated and exits 1 on any missing,
duplicated or unexpected event. Databases: DATABASE_URL and SENDER_DATABASE_URL, else
$STACK_DIR/stack.env (default .stack). Only messages sent to webhook URLs starting with --target
count (default: the stack's INGRESS_URL, when read from stack.env); --wait polls until nothing is
missing or pending.`;

function urls(): { databaseUrl: string; senderDatabaseUrl: string; ingressUrl?: string } {
  let env: Record<string, string | undefined> = process.env;
  if (!env.DATABASE_URL || !env.SENDER_DATABASE_URL) {
    const file = path.resolve(REPO_ROOT, process.env.STACK_DIR ?? '.stack', 'stack.env');
    if (!existsSync(file))
      throw new Error(
        `set DATABASE_URL and SENDER_DATABASE_URL, or run \`make up\` first (${file} is missing)`,
      );
    env = { ...readEnvFile(file), ...env };
  }
  if (!env.DATABASE_URL || !env.SENDER_DATABASE_URL)
    throw new Error('DATABASE_URL and SENDER_DATABASE_URL are required');
  return {
    databaseUrl: env.DATABASE_URL,
    senderDatabaseUrl: env.SENDER_DATABASE_URL,
    ...(env.INGRESS_URL ? { ingressUrl: env.INGRESS_URL } : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  const customers: string[] = [];
  let waitSeconds = 0;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--customer' && argv[i + 1]) customers.push(argv[++i]!);
    else if (a === '--wait' && argv[i + 1]) waitSeconds = Number(argv[++i]);
    else if (a === '--target' && argv[i + 1]) target = argv[++i];
    else {
      console.error(`unknown argument "${a}"\n\n${USAGE}`);
      return 2;
    }
  }
  const where = urls();
  const targetPrefix = target ?? (where.ingressUrl ? `${where.ingressUrl}/` : undefined);
  if (targetPrefix) console.log(`messages the sender sent to ${targetPrefix}…`);
  const report = await reconcileWhenSettled(
    where,
    { ...(customers.length ? { customers } : {}), ...(targetPrefix ? { targetPrefix } : {}) },
    { timeoutMs: waitSeconds * 1000 },
  );
  console.log(formatReport(report));
  const ok = reconcileOk(report);
  console.log(ok ? 'reconcile: OK (nothing lost, nothing duplicated)' : 'reconcile: FAILED');
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`reconcile: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
