import type { Progress } from './progress.js';
import type { RunReport } from './run.js';
import type { VerdictLine } from './verdict.js';

export interface Style {
  bold(s: string): string;
  green(s: string): string;
  red(s: string): string;
}
export const plain: Style = { bold: (s) => s, green: (s) => s, red: (s) => s };
export const colours: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  green: (s) => `\x1b[32m${s}\x1b[0m`,
  red: (s) => `\x1b[31m${s}\x1b[0m`,
};

/** `[ 12 s] steady (step 2/5, 10/s): sent 120  delivered 118  retrying 2  failed 0  9.8/s` */
export function formatProgress(p: Progress): string {
  const secs = String(Math.round(p.elapsedMs / 1000)).padStart(3);
  return `[${secs} s] ${p.phase}${p.detail ? ` (${p.detail})` : ''}: sent ${p.sent}  delivered ${p.delivered}  retrying ${p.retrying}  failed ${p.failed}  ${p.rate.toFixed(1)}/s`;
}

/** The verdict table: expectation, measured, limit, pass/fail; details under failing lines. */
export function formatVerdict(lines: readonly VerdictLine[], style: Style = plain): string {
  const head = ['expectation', 'measured', 'limit', 'result'];
  const rows = lines.map((l) => [l.expectation, l.measured, l.limit, l.pass ? 'pass' : 'FAIL']);
  const widths = head.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const row = (cells: string[]) =>
    cells
      .slice(0, 3)
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ');
  const out = [style.bold(`${row(head)}  ${head[3]}`)];
  lines.forEach((l, i) => {
    out.push(`${row(rows[i]!)}  ${l.pass ? style.green('pass') : style.red('FAIL')}`);
    if (!l.pass && l.detail) out.push(`    ${l.detail}`);
  });
  return out.join('\n');
}

/** The table with a title and the one-line outcome under it. */
export function formatReportText(report: RunReport, style: Style = plain): string {
  const failed = report.verdict.filter((l) => !l.pass).length;
  const outcome =
    report.outcome === 'interrupted'
      ? style.red(`interrupted after ${(report.duration_ms / 1000).toFixed(0)} s: what was measured so far`)
      : failed === 0
        ? style.green(`PASSED: ${report.verdict.length} of ${report.verdict.length} expectations hold`)
        : style.red(`FAILED: ${failed} of ${report.verdict.length} expectations do not hold`);
  return [
    style.bold(`Verdict: ${report.scenario} (run ${report.run_id}, target ${report.target})`),
    formatVerdict(report.verdict, style),
    ...report.notes.map((n) => `note: ${n}`),
    outcome,
  ].join('\n');
}
