/** One thing wrong with a scenario: where (a field path like `phases[1].rate`), and why. */
export interface ScenarioIssue {
  /** `phases[1].rate`; empty for the document as a whole. */
  path: string;
  message: string;
  /** 1-based, when the field (or its nearest parent) was found in the file. */
  line?: number;
  column?: number;
}

/** An invalid scenario: nothing was started (`hookpipe run` exits 2). */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly issues: ScenarioIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
  }
}

/** `scenario.yaml:14:5: phases[1].rate: must be >= 0`: the line, the field, the reason. */
export function formatIssue(file: string, issue: ScenarioIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export type PathPart = string | number;

/** `['phases', 1, 'rate']` → `phases[1].rate`. */
export const pathLabel = (parts: readonly PathPart[]): string =>
  parts.reduce<string>(
    (s, p) =>
      typeof p === 'number'
        ? `${s}[${p}]`
        : /^[A-Za-z_$][\w$]*$/.test(p)
          ? s
            ? `${s}.${p}`
            : p
          : `${s}[${JSON.stringify(p)}]`,
    '',
  );
