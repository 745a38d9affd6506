/**
 * `hookpipe logs` (`make logs`): the local stack's logs, readable and coloured, followed live.
 * Options come from flags or, for make, the environment (SERVICE, GREP, LINES, FOLLOW).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatLine,
  logFiles,
  makeFollower,
  partColours,
  partOf,
  partWanted,
  readBacklog,
  REPO_ROOT,
  useColor,
  type LogLine,
} from '@hookpipe/stack';
import { EXIT, UsageError, type Command } from '../errors.js';

export const LOGS_USAGE = `usage: hookpipe logs [--service <part,…>] [--grep <text>] [--lines <n>] [--no-follow]

  --service, -s   parts to show, comma-separated: consumer, sender, handler-2, handler (all
                  replicas), nginx (nginx, nginx-access, nginx-error), kafka, postgres   [SERVICE]
  --grep, -g      only lines containing this text, e.g. a webhook-id or a request id;
                  searches the whole of each log first, then follows                      [GREP]
  --lines, -n     earlier lines shown per log before following (default 10)              [LINES]
  --no-follow     print what is there and exit                                          [FOLLOW=0]
env: STACK_DIR (.stack), NO_COLOR, FORCE_COLOR. Ctrl-C stops.
exit: 0 (also when Ctrl-C stops it or a pipe closes), 1 no logs to show`;

const POLL_MS = 250;

function options(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string', short: 's' },
      grep: { type: 'string', short: 'g' },
      lines: { type: 'string', short: 'n' },
      'no-follow': { type: 'boolean' },
    },
  });
  const lines = Number(values.lines ?? env.LINES ?? 10);
  if (!Number.isInteger(lines) || lines < 0)
    throw new UsageError('--lines (LINES) must be a whole number ≥ 0');
  return {
    services: (values.service ?? env.SERVICE ?? '').split(/[\s,]+/).filter(Boolean),
    grep: values.grep ?? (env.GREP || undefined),
    lines,
    follow: !values['no-follow'] && env.FOLLOW !== '0',
    dir: path.resolve(REPO_ROOT, env.STACK_DIR ?? '.stack', 'logs'),
  };
}

/** `hookpipe logs`: prints the backlog, then follows until Ctrl-C. */
export const logsCommand: Command = async (_command, argv) => {
  const opts = options(argv, process.env);
  const wanted = (part: string) => partWanted(part, opts.services);
  const all = logFiles(opts.dir, () => true).map(partOf);
  if (all.length === 0) {
    console.error(`no logs in ${opts.dir}: start the stack first (make up), or set STACK_DIR`);
    return EXIT.failed;
  }
  const shown = all.filter(wanted);
  if (shown.length === 0) {
    console.error(`no log matches SERVICE=${opts.services.join(',')}; parts: ${all.join(', ')}`);
    return EXIT.failed;
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
  if (!opts.follow) return EXIT.ok;

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
      resolve(EXIT.ok);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
};
