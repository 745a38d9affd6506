#!/usr/bin/env node
/**
 * `make logs`: the local stack's logs, readable and coloured, followed live. Options come from
 * flags or, for make, the environment (SERVICE, GREP, LINES, FOLLOW).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './context.js';
import { logFiles, makeFollower, readBacklog, type LogLine } from './log-follow.js';
import { formatLine, partColours, partOf, partWanted, useColor } from './log-format.js';

const USAGE = `usage: node stack/dist/logs.js [--service <part,…>] [--grep <text>] [--lines <n>] [--no-follow]

  --service, -s   parts to show, comma-separated: consumer, sender, handler-2, handler (all
                  replicas), nginx (nginx, nginx-access, nginx-error), kafka, postgres   [SERVICE]
  --grep, -g      only lines containing this text, e.g. a webhook-id or a request id;
                  searches the whole of each log first, then follows                      [GREP]
  --lines, -n     earlier lines shown per log before following (default 10)              [LINES]
  --no-follow     print what is there and exit                                          [FOLLOW=0]
env: STACK_DIR (.stack), NO_COLOR, FORCE_COLOR. Ctrl-C stops.`;

const POLL_MS = 250;

function options(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string', short: 's' },
      grep: { type: 'string', short: 'g' },
      lines: { type: 'string', short: 'n' },
      'no-follow': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const lines = Number(values.lines ?? env.LINES ?? 10);
  if (!Number.isInteger(lines) || lines < 0) throw new Error('--lines (LINES) must be a whole number ≥ 0');
  return {
    help: values.help === true,
    services: (values.service ?? env.SERVICE ?? '').split(/[\s,]+/).filter(Boolean),
    grep: values.grep ?? (env.GREP || undefined),
    lines,
    follow: !values['no-follow'] && env.FOLLOW !== '0',
    dir: path.resolve(REPO_ROOT, env.STACK_DIR ?? '.stack', 'logs'),
  };
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2), process.env);
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const wanted = (part: string) => partWanted(part, opts.services);
  const all = logFiles(opts.dir, () => true).map(partOf);
  if (all.length === 0) {
    console.error(`no logs in ${opts.dir}: start the stack first (make up), or set STACK_DIR`);
    return 1;
  }
  const shown = all.filter(wanted);
  if (shown.length === 0) {
    console.error(`no log matches SERVICE=${opts.services.join(',')}; parts: ${all.join(', ')}`);
    return 1;
  }

  const color = useColor(process.env, process.stdout.isTTY === true);
  const colours = partColours(all);
  const width = Math.max(8, ...all.map((p) => p.length));
  const print = ({ part, line }: LogLine) => {
    process.stdout.write(`${formatLine(part, line, { color, width, partColour: colours.get(part) })}\n`);
  };
  // `make logs | head` closes the pipe: that is the end, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));

  const selection = { wanted, grep: opts.grep };
  const backlog = await readBacklog(opts.dir, { ...selection, lines: opts.lines });
  backlog.lines.forEach(print);
  if (!opts.follow) return 0;

  const grep = opts.grep ? `, lines containing ${JSON.stringify(opts.grep)}` : '';
  console.error(`following ${opts.dir} (${shown.join(', ')})${grep}; Ctrl-C to stop`);
  const follower = makeFollower(opts.dir, selection, backlog.positions, print);
  return new Promise<number>((resolve) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      follower
        .poll()
        .catch((err: unknown) => console.error(`reading the logs failed: ${String(err)}`))
        .finally(() => (busy = false));
    }, POLL_MS);
    const stop = () => {
      clearInterval(timer);
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
