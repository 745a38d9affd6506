#!/usr/bin/env node
import { demoCommand, DEMO_USAGE } from './commands/demo.js';
import { logsCommand, LOGS_USAGE } from './commands/logs.js';
import { reconcileCommand, RECONCILE_USAGE } from './commands/reconcile.js';
import { runCommand, RUN_USAGE } from './commands/run.js';
import { stackCommand, STACK_USAGE } from './commands/stack.js';
import { EXIT, UnreachableError, UsageError, type Command } from './errors.js';

const USAGE = `usage: hookpipe <command> [options]   (hookpipe <command> --help for its options)

the local stack
  up                 start Kafka, PostgreSQL, the services and nginx in the background; writes stack.env
  down               stop everything the stack started
  status [--json]    each part, its pid, port and health
  logs               follow every part's log, coloured (--service, --grep, --lines, --no-follow)
  demo               the main job: an emitter with retries and dead letters, live progress, reconcile
  reconcile          the sender's 2xx against the receiver's events and dead letters
  env [--json]       print stack.env
  clean              down, then delete the stack's state, logs and PostgreSQL data
  start|stop|restart <part> [--kill]
                     one part: postgres, kafka, handler-1..N, consumer, sender, nginx (scaled:
                     sender-<n>, consumer-<n>, kafka-<n>)
  scale handlers <n> run n handler replicas behind nginx, without dropping a request

scenarios
  run <scenario>     send, break, measure and judge: a verdict table, a JSON report, JUnit XML
  run --check <scenario>
                     validate a scenario file only

exit codes
  0    success (run: every expectation passed)
  1    a check failed: a verdict line, an unhealthy part, a reconcile mismatch
  2    usage error or invalid scenario (nothing was started)
  3    the target or the stack could not be reached
  130  interrupted (Ctrl-C), after printing what was measured`;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  ...Object.fromEntries(
    Object.entries(STACK_USAGE).map(([name, usage]) => [name, { run: stackCommand, usage }]),
  ),
  demo: { run: demoCommand, usage: DEMO_USAGE },
  logs: { run: logsCommand, usage: LOGS_USAGE },
  reconcile: { run: reconcileCommand, usage: RECONCILE_USAGE },
  run: { run: runCommand, usage: RUN_USAGE },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const about = name === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(about?.usage ?? USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`hookpipe: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(name, rest);
  } catch (err) {
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    // Not every error's code is a string (kafkajs's are numbers).
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : '';
    if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hookpipe ${name}: ${(err as Error).message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    console.error(`hookpipe ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof UnreachableError ? EXIT.unreachable : EXIT.failed;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(EXIT.failed);
  },
);
