import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, type Command } from '../errors.js';
import { colours, formatProgress, formatReportText, plain } from '../scenario/format.js';
import { ScenarioError } from '../scenario/issues.js';
import { toJunit } from '../scenario/junit.js';
import { loadScenario } from '../scenario/load.js';
import type { Progress } from '../scenario/progress.js';
import { runScenario, type Endpoints } from '../scenario/run.js';
import { endpointsOf, findStackEnv } from '../stack-env.js';

export const RUN_USAGE = `usage: hookpipe run <scenario.yaml|scenario.json> [options]

Registers the scenario's webhooks at hookpipe's sender, runs its phases (emitters, faults, receiver
fault profiles, actions), waits for the outcome, and judges every expectation: a live progress line,
then a verdict table (expectation, measured, limit, pass/fail). The scenario format: docs/scenarios.md
and cli/scenario.schema.json.

  --check              validate the scenario only (nothing is sent)
  --json               print the report as JSON instead of the table (progress goes to stderr)
  --report <path>      write the JSON report there (default hookpipe-report.json; "none": no file)
  --junit <path>       also write JUnit XML there (one testcase per expectation)
  --time-scale <x>     scale every phase's duration (0.2: a fifth as long); rates, counts and limits stay
  --env-file <path>    the stack's stack.env (default $STACK_DIR/stack.env, STACK_DIR=.stack)
  --sender-url <url>   hookpipe's sender, instead of SENDER_URL

where things are: the environment (SENDER_URL, SENDER_API_KEY; for target: stack also INGRESS_URL,
CONSUMER_URL, RECEIVER_API_KEY, HANDLER_URLS, DATABASE_URL, SENDER_DATABASE_URL), else stack.env.
Ctrl-C stops the run's emitters, lifts its fault profiles and prints what was measured; a second
Ctrl-C exits at once.

exit: 0 every expectation passed, 1 one failed, 2 usage error or invalid scenario (nothing started),
      3 the sender or the stack could not be reached, 130 interrupted`;

function endpointsFrom(values: { 'env-file'?: string; 'sender-url'?: string }): Endpoints {
  const found = findStackEnv(values['env-file'] ? { envFile: values['env-file'] } : {});
  const v = found.values;
  const senderUrl = values['sender-url'] ?? v.SENDER_URL;
  if (!senderUrl || !v.SENDER_API_KEY)
    throw new UsageError(
      'where is the sender? Start the stack (hookpipe up), or set SENDER_URL and SENDER_API_KEY, or give --env-file',
    );
  return endpointsOf({ ...v, SENDER_URL: senderUrl, SENDER_API_KEY: v.SENDER_API_KEY });
}

/** Live progress on stderr: rewritten in place each second on a terminal, a plain line every 5 s otherwise. */
function makeProgressPrinter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let lastPlain = -Infinity;
  let open = false;
  return {
    show(p: Progress) {
      if (tty) {
        stream.write(`\r\x1b[2K${formatProgress(p)}`);
        open = true;
      } else if (p.elapsedMs - lastPlain >= 5000) {
        stream.write(`${formatProgress(p)}\n`);
        lastPlain = p.elapsedMs;
      }
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

/** `hookpipe run <scenario>`: one scenario, its verdict, its report files. */
export const runCommand: Command = async (_command, argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      junit: { type: 'string' },
      'time-scale': { type: 'string' },
      'env-file': { type: 'string' },
      'sender-url': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one scenario file');
  const file = positionals[0]!;
  const timeScale = Number(values['time-scale'] ?? 1);
  if (!(timeScale > 0 && timeScale <= 10)) throw new UsageError('--time-scale takes a number in (0, 10]');

  let scenario;
  try {
    scenario = await loadScenario(file);
  } catch (err) {
    if (err instanceof ScenarioError) {
      console.error(
        `${err.message}\n${file}: invalid scenario (${err.issues.length} issue(s)); nothing was started`,
      );
      return EXIT.usage;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${file} does not exist`);
    throw err;
  }
  if (values.check) {
    console.log(
      `${file}: valid (${scenario.phases.length} phase(s), ${scenario.webhooks.length} webhook(s))`,
    );
    return EXIT.ok;
  }
  const endpoints = endpointsFrom(values);

  const style = process.stdout.isTTY ? colours : plain;
  const progress = makeProgressPrinter(process.stderr);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    progress.end();
    console.error(
      'interrupted: stopping the emitters and measuring what there is (Ctrl-C again exits at once)',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  console.error(
    `hookpipe run ${scenario.name}: ${scenario.phases.length} phase(s) against ${endpoints.senderUrl}`,
  );
  try {
    const report = await runScenario(scenario, {
      endpoints,
      timeScale,
      signal: controller.signal,
      file,
      onProgress: (p) => progress.show(p),
      log: (m) => {
        progress.end();
        console.error(`note: ${m}`);
      },
    });
    progress.end();
    const reportFile = values.report ?? 'hookpipe-report.json';
    if (reportFile !== 'none') writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    if (values.junit) writeFile(values.junit, toJunit(report));
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(formatReportText(report, style));
      if (reportFile !== 'none')
        console.log(`report: ${reportFile}${values.junit ? `, JUnit: ${values.junit}` : ''}`);
    }
    return report.outcome === 'interrupted' ? EXIT.interrupted : report.passed ? EXIT.ok : EXIT.failed;
  } finally {
    progress.end();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
};
