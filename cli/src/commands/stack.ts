import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  allParts,
  clean,
  down,
  openContext,
  scaleHandlers,
  stackEnv,
  startPart,
  status,
  stopPart,
  up,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import { EXIT, UsageError, type Command } from '../errors.js';

const ENV_HELP = `env:   STACK_DIR (.stack), STACK_PORT_OFFSET (0), HANDLER_REPLICAS (3), STACK_SENDERS (1),
       STACK_CONSUMERS (1), STACK_KAFKA_BROKERS (1 or 3), SENDER_PORT, INGRESS_PORT, CONSUMER_PORT,
       HANDLER_BASE_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, PG_PORT, DATABASE_URL, KAFKA_HEAP_OPTS,
       LOG_LEVEL, LOG_EVENTS (on). Scaled ports: docs/scaling.md`;

export const STACK_USAGE: Record<string, string> = {
  up: `usage: hookpipe up

Starts Kafka, PostgreSQL, the services and nginx in the background (idempotent: running parts are
kept) and writes $STACK_DIR/stack.env with every URL and key.
exit: 0 up, 1 a part did not start (its log's last lines are printed)
${ENV_HELP}`,
  down: `usage: hookpipe down

Stops every part this stack started (gracefully, then forced). exit: 0`,
  clean: `usage: hookpipe clean

down, then deletes the stack's state, logs and PostgreSQL data (keeps the Kafka jars). exit: 0`,
  status: `usage: hookpipe status [--json]

Each part, its pid, port and health. --json prints them as a JSON array.
exit: 0 all healthy, 1 a part is down`,
  env: `usage: hookpipe env [--json]

Prints stack.env (KEY=value lines; --json: one object). exit: 0`,
  start: `usage: hookpipe start <part>

Starts one part and waits until it is healthy. exit: 0 healthy, 1 it did not start, 2 no such part`,
  stop: `usage: hookpipe stop <part> [--kill]

Stops one part (SIGTERM, or SIGKILL with --kill). exit: 0, 2 no such part`,
  restart: `usage: hookpipe restart <part> [--kill]

Stops (SIGKILL with --kill) then starts one part. exit: 0 healthy again, 1 it did not start, 2 no such part`,
  scale: `usage: hookpipe scale handlers <n>

Runs n handler replicas (1..9) behind nginx at run time: new ones start and are healthy before
nginx is reloaded to send them requests; removed ones leave nginx first, then drain and stop. No
accepted request is dropped. exit: 0, 1 a replica did not start, 2 usage`,
};

function printSummary(env: Record<string, string>, stackFile: string): void {
  const rows = [
    ['sender', env.SENDER_URLS ?? env.SENDER_URL],
    ['ingress (nginx)', env.INGRESS_URL],
    ['consumer', env.CONSUMER_URLS ?? env.CONSUMER_URL],
    ['dashboard', `${env.CONSUMER_URL}/dashboard`],
    ['handlers', env.HANDLER_URLS],
    ['kafka', env.KAFKA_BROKERS],
    ['SENDER_API_KEY', mask(env.SENDER_API_KEY)],
    ['RECEIVER_API_KEY', mask(env.RECEIVER_API_KEY)],
    ['RECEIVER_SECRET', `${mask(env.RECEIVER_SECRET)} (customer "demo")`],
  ];
  for (const [k, v] of rows) console.log(`  ${k!.padEnd(18)} ${v}`);
  console.log(`  keys and secret in full: ${stackFile}  (load them: set -a; . ${stackFile}; set +a)`);
}

/** Keys and secrets are not printed (terminal scrollback and CI logs keep them): a prefix only. */
function mask(value: string | undefined): string {
  if (!value) return '(not set)';
  return `${value.slice(0, value.startsWith('whsec_') ? 9 : 6)}…`;
}

function partOf(ctx: StackContext, name: string | undefined): PartName {
  const parts = allParts(ctx);
  if (!name || !parts.includes(name as PartName)) throw new UsageError(`name a part: ${parts.join(', ')}`);
  return name as PartName;
}

/** `hookpipe up|down|clean|status|env|start|stop|restart`: the local stack's own commands. */
export const stackCommand: Command = async (command, argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, kill: { type: 'boolean' } },
  });
  const takesPart = command === 'start' || command === 'stop' || command === 'restart';
  const expected = command === 'scale' ? 2 : takesPart ? 1 : 0;
  if (positionals.length > expected) throw new UsageError(`unexpected "${positionals.join(' ')}"`);
  const ctx = openContext({});
  switch (command) {
    case 'up': {
      const env = await up(ctx);
      console.log(`\nhookpipe local stack is up (${ctx.dir}/stack.env):`);
      printSummary(env, path.relative(process.cwd(), path.join(ctx.dir, 'stack.env')) || 'stack.env');
      return EXIT.ok;
    }
    case 'down':
      await down(ctx);
      console.log('hookpipe local stack is down');
      return EXIT.ok;
    case 'clean':
      await clean(ctx);
      console.log(`hookpipe local stack is down and ${ctx.dir} is gone (with its PostgreSQL data)`);
      return EXIT.ok;
    case 'status': {
      const rows = await status(ctx);
      if (values.json) console.log(JSON.stringify(rows, null, 2));
      else
        for (const r of rows) {
          console.log(
            `${r.part.padEnd(11)} ${(r.healthy ? 'healthy' : 'DOWN').padEnd(8)} port ${String(r.port).padEnd(6)} ${r.pid ? `pid ${r.pid}` : ''} ${r.detail}`,
          );
        }
      return rows.every((r) => r.healthy) ? EXIT.ok : EXIT.failed;
    }
    case 'env': {
      const env = stackEnv(ctx);
      if (values.json) console.log(JSON.stringify(env, null, 2));
      else for (const [k, v] of Object.entries(env)) console.log(`${k}=${v.includes(' ') ? `'${v}'` : v}`);
      return EXIT.ok;
    }
    case 'start':
      await startPart(ctx, partOf(ctx, positionals[0]));
      return EXIT.ok;
    case 'stop':
      await stopPart(ctx, partOf(ctx, positionals[0]), values.kill ? { signal: 'SIGKILL' } : {});
      return EXIT.ok;
    case 'restart': {
      const part = partOf(ctx, positionals[0]);
      await stopPart(ctx, part, values.kill ? { signal: 'SIGKILL' } : {});
      await startPart(ctx, part);
      return EXIT.ok;
    }
    case 'scale': {
      const [what, raw] = positionals;
      const n = Number(raw);
      if (what !== 'handlers' || !Number.isInteger(n) || n < 1 || n > 9)
        throw new UsageError('say how many handler replicas: hookpipe scale handlers <1..9>');
      const { added, removed } = await scaleHandlers(ctx, n);
      console.log(
        `handlers: ${n} replica(s)${added.length ? `, started ${added.join(', ')}` : ''}${removed.length ? `, drained and stopped ${removed.join(', ')}` : ''}`,
      );
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
};
