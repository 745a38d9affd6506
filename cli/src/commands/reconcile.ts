import { parseArgs } from 'node:util';
import { formatReport, reconcileOk, reconcileWhenSettled } from '@hookpipe/stack';
import { EXIT, UnreachableError, UsageError, type Command } from '../errors.js';
import { findStackEnv } from '../stack-env.js';

export const RECONCILE_USAGE = `usage: hookpipe reconcile [--customer <id>]... [--target <url prefix>] [--wait <seconds>] [--json]

Compares the webhook-ids the sender got a 2xx for with the receiver's events and dead letters;
prints delivered / persisted / dead-lettered / missing / duplicated. Databases: DATABASE_URL and
SENDER_DATABASE_URL, else $STACK_DIR/stack.env (default .stack). Only messages sent to webhook URLs
starting with --target count (default: the stack's INGRESS_URL, when read from stack.env); --wait
polls until nothing is missing or pending. --json prints the report as JSON.
exit: 0 nothing missing, duplicated or unexpected; 1 a mismatch; 3 no databases to read`;

/** `hookpipe reconcile`: the sender's 2xx against the receiver's rows. */
export const reconcileCommand: Command = async (_command, argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      customer: { type: 'string', multiple: true },
      target: { type: 'string' },
      wait: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const waitSeconds = Number(values.wait ?? 0);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError('--wait takes seconds (≥ 0)');
  const found = findStackEnv();
  const { DATABASE_URL: databaseUrl, SENDER_DATABASE_URL: senderDatabaseUrl, INGRESS_URL } = found.values;
  if (!databaseUrl || !senderDatabaseUrl)
    throw new UnreachableError(
      'set DATABASE_URL and SENDER_DATABASE_URL, or start the stack first (hookpipe up writes them to stack.env)',
    );
  const targetPrefix = values.target ?? (INGRESS_URL ? `${INGRESS_URL}/` : undefined);
  const customers = values.customer ?? [];
  if (targetPrefix && !values.json) console.log(`messages the sender sent to ${targetPrefix}…`);
  const report = await reconcileWhenSettled(
    { databaseUrl, senderDatabaseUrl },
    { ...(customers.length ? { customers } : {}), ...(targetPrefix ? { targetPrefix } : {}) },
    { timeoutMs: waitSeconds * 1000 },
  ).catch((err: unknown) => {
    throw new UnreachableError(`the databases did not answer: ${String(err)}`, true, { cause: err });
  });
  const ok = reconcileOk(report);
  if (values.json) console.log(JSON.stringify({ ok, ...report }, null, 2));
  else {
    console.log(formatReport(report));
    console.log(ok ? 'reconcile: OK (nothing lost, nothing duplicated)' : 'reconcile: FAILED');
  }
  return ok ? EXIT.ok : EXIT.failed;
};
