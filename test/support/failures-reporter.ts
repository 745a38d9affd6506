// A vitest reporter that lists the failed tests, one line each, after the run's summary and in
// test-results/failed.txt ($TEST_FAILURES_FILE). scripts/test-integration.sh prints those files
// again once the stacks are down, so the last lines of a long CI log name what failed.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

const oneLine = (text: string, max = 240) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Where the failed tests are listed ($TEST_FAILURES_FILE, else test-results/failed.txt). */
export const failuresFile = () => process.env.TEST_FAILURES_FILE ?? 'test-results/failed.txt';

/** Adds lines to the failed-tests file (the reporter's, and the global teardown's own failures). */
export function recordFailures(lines: readonly string[]): void {
  const file = failuresFile();
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${lines.join('\n')}\n`);
}

export default class FailuresReporter implements Reporter {
  private readonly file = failuresFile();

  onInit() {
    rmSync(this.file, { force: true });
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
    reason?: TestRunEndReason,
  ) {
    const lines: string[] = [];
    for (const module of testModules) {
      const file = relative(process.cwd(), module.moduleId);
      const failedTests = [...module.children.allTests()].filter((t) => t.result().state === 'failed');
      for (const test of failedTests) {
        const error = test.result().errors?.[0];
        lines.push(`FAILED ${file} > ${test.fullName}${error ? ` — ${oneLine(error.message)}` : ''}`);
      }
      // A file that failed outside any test (an import or a hook) has no failed test to name.
      if (failedTests.length === 0 && module.state() === 'failed') {
        const error = module.errors()[0];
        lines.push(`FAILED ${file}${error ? ` — ${oneLine(error.message)}` : ''}`);
      }
    }
    // An error thrown outside every test (an unhandled rejection, a timer firing after its test)
    // fails the run without failing a test; name it, and where vitest saw it.
    for (const error of unhandledErrors) {
      const path =
        typeof error.VITEST_TEST_PATH === 'string' ? relative(process.cwd(), error.VITEST_TEST_PATH) : '';
      const name = typeof error.VITEST_TEST_NAME === 'string' ? error.VITEST_TEST_NAME : '';
      const where = [path, name].filter(Boolean).join(' > ');
      const frame = error.stacks?.[0];
      const at = frame ? ` at ${relative(process.cwd(), frame.file)}:${frame.line}` : '';
      const what = oneLine(`${error.name ?? 'Error'}: ${error.message}${at}`);
      lines.push(`FAILED unhandled error${where ? ` (during ${where})` : ''} — ${what}`);
    }
    if (lines.length === 0 && reason === 'failed') {
      lines.push('FAILED the run failed without a failed test or an unhandled error; see the log above');
    }
    if (lines.length === 0) return;
    recordFailures(lines);
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
