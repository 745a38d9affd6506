import type { RunReport } from './run.js';

const escapeXml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 has no way to write most control characters: drop them.
    .replace(/\p{Cc}/gu, (c) => (c === '\n' || c === '\t' || c === '\r' ? c : ''));

/**
 * The run as JUnit XML, which CI systems show as test results: one testsuite per scenario, one
 * testcase per expectation, a failing expectation as a `<failure>` with measured vs limit.
 */
export function toJunit(report: RunReport): string {
  const seconds = (report.duration_ms / 1000).toFixed(3);
  const failures = report.verdict.filter((l) => !l.pass).length;
  const suite = `hookpipe.${report.scenario}`;
  const cases = report.verdict.map((l) => {
    const open = `    <testcase classname="${escapeXml(suite)}" name="${escapeXml(l.expectation)}" time="0">`;
    if (l.pass)
      return `${open}\n      <system-out>${escapeXml(`measured ${l.measured}, limit ${l.limit}`)}</system-out>\n    </testcase>`;
    const message = `measured ${l.measured}, limit ${l.limit}`;
    return `${open}\n      <failure message="${escapeXml(message)}" type="${escapeXml(l.key)}">${escapeXml(
      [message, l.detail].filter(Boolean).join('\n'),
    )}</failure>\n    </testcase>`;
  });
  const props = [
    ['run_id', report.run_id],
    ['target', report.target],
    ['outcome', report.outcome],
    ['time_scale', String(report.time_scale)],
  ]
    .map(([k, v]) => `      <property name="${k}" value="${escapeXml(v!)}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="hookpipe" tests="${report.verdict.length}" failures="${failures}" errors="0" time="${seconds}">
  <testsuite name="${escapeXml(suite)}" tests="${report.verdict.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${report.started_at}">
    <properties>
${props}
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
