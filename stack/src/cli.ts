#!/usr/bin/env node
import path from 'node:path';
import { openContext, type PartName } from './context.js';
import { allParts, clean, down, startPart, stackEnv, status, stopPart, up } from './stack.js';

const USAGE = `usage: hookpipe-stack <command>

  up                 start Kafka, PostgreSQL, the services and nginx (idempotent); writes $STACK_DIR/stack.env
  down               stop everything this stack started
  clean              down, then delete the stack's state, logs and PostgreSQL data (keeps the Kafka jars)
  status             show each part, its pid, port and health (exit 1 if any is unhealthy)
  env                print stack.env
  start <part>       start one part and wait until it is healthy
  stop <part> [--kill]
                     stop one part (SIGTERM, or SIGKILL with --kill)
  restart <part>     stop then start one part

parts: postgres, kafka, handler-1..N, consumer, sender, nginx
env:   STACK_DIR (.stack), STACK_PORT_OFFSET (0), HANDLER_REPLICAS (3), SENDER_PORT, INGRESS_PORT,
       CONSUMER_PORT, HANDLER_BASE_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, PG_PORT, DATABASE_URL,
       KAFKA_HEAP_OPTS, LOG_LEVEL, LOG_EVENTS (on)`;

function printSummary(env: Record<string, string>, stackFile: string): void {
  const rows = [
    ['sender', env.SENDER_URL],
    ['ingress (nginx)', env.INGRESS_URL],
    ['consumer', env.CONSUMER_URL],
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

async function main(argv: string[]): Promise<number> {
  const [command, arg, flag] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const ctx = openContext({});
  const part = (): PartName => {
    const p = arg as PartName | undefined;
    if (!p || !allParts(ctx).includes(p)) throw new Error(`name a part: ${allParts(ctx).join(', ')}`);
    return p;
  };
  switch (command) {
    case 'up': {
      const env = await up(ctx);
      console.log(`\nhookpipe local stack is up (${ctx.dir}/stack.env):`);
      printSummary(env, path.relative(process.cwd(), path.join(ctx.dir, 'stack.env')) || 'stack.env');
      return 0;
    }
    case 'down':
      await down(ctx);
      console.log('hookpipe local stack is down');
      return 0;
    case 'clean':
      await clean(ctx);
      console.log(`hookpipe local stack is down and ${ctx.dir} is gone (with its PostgreSQL data)`);
      return 0;
    case 'status': {
      const rows = await status(ctx);
      for (const r of rows) {
        console.log(
          `${r.part.padEnd(10)} ${(r.healthy ? 'healthy' : 'DOWN').padEnd(8)} port ${String(r.port).padEnd(6)} ${r.pid ? `pid ${r.pid}` : ''} ${r.detail}`,
        );
      }
      return rows.every((r) => r.healthy) ? 0 : 1;
    }
    case 'env':
      for (const [k, v] of Object.entries(stackEnv(ctx)))
        console.log(`${k}=${v.includes(' ') ? `'${v}'` : v}`);
      return 0;
    case 'start':
      await startPart(ctx, part());
      return 0;
    case 'stop':
      await stopPart(ctx, part(), flag === '--kill' ? { signal: 'SIGKILL' } : {});
      return 0;
    case 'restart':
      await stopPart(ctx, part());
      await startPart(ctx, part());
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`hookpipe-stack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
