import { readFileSync } from 'node:fs';
import path from 'node:path';
import { handlerParts, type PartName, type StackContext } from './context.js';
import { reloadNginx } from './nginx.js';
import { waitUntil } from './proc.js';
import { livePid, startPart, stopPart, writeStackEnv } from './stack.js';

/** nginx's processes that still serve connections accepted under the previous configuration. */
function oldWorkers(masterPid: number): number {
  let children: string[];
  try {
    children = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/);
  } catch {
    return 0; // no /proc: nothing to wait for
  }
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
    } catch {
      return false;
    }
  }).length;
}

/**
 * Re-renders nginx's upstream from the stack's handler ports and reloads it (SIGHUP: new workers
 * take new connections at once, the old ones finish the requests they hold), then waits up to
 * `drainMs` for the old workers to be gone.
 */
async function reloadAndDrain(ctx: StackContext, drainMs = 15_000): Promise<void> {
  const pid = livePid(ctx, 'nginx');
  if (!pid) return;
  await reloadNginx(ctx, pid, ctx.state.ports.handlers);
  await waitUntil(() => oldWorkers(pid) === 0, {
    timeoutMs: drainMs,
    intervalMs: 100,
    what: 'nginx workers of the previous configuration to finish their requests',
  }).catch(() => ctx.log('nginx: old workers still finishing requests; going on'));
}

/**
 * Runs `n` handler replicas (1..9) behind nginx, at run time: new replicas are started and healthy
 * before nginx sends them anything; removed ones leave nginx's upstream first (reload), and
 * only then get SIGTERM, so they drain what they hold (`Connection: close`, Kafka flush) and no
 * accepted request is dropped. Consumers keep scraping the replicas they were started with.
 */
export async function scaleHandlers(
  ctx: StackContext,
  n: number,
): Promise<{ added: PartName[]; removed: PartName[] }> {
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error(`handler replicas must be 1..9, got ${n}`);
  const before = handlerParts(ctx.state);
  const base = ctx.state.ports.handlers[0]!;
  ctx.state.replicas = n;
  ctx.state.ports.handlers = Array.from({ length: n }, (_, i) => base + i);
  ctx.save();
  const after = handlerParts(ctx.state);
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  await Promise.all(added.map((p) => startPart(ctx, p)));
  await reloadAndDrain(ctx);
  await Promise.all(
    removed.map(async (part) => {
      const pid = livePid(ctx, part);
      if (pid) ctx.log(`stopping ${part} (pid ${pid}): it drains the requests it holds`);
      await stopPart(ctx, part);
      delete ctx.state.overrides[part];
    }),
  );
  ctx.save();
  writeStackEnv(ctx);
  ctx.log(`handlers: ${after.join(', ')} (${path.basename(ctx.dir)})`);
  return { added, removed };
}
