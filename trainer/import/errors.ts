// The one error a shop's file can cause: it names the file, the line and the field, so the shop can fix the row.
// Must never carry a stack trace or library internals into the message the CLI prints.

/** A bad row or file in an import; `message` reads `file:line: field: problem`. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly problem: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

/** The first issue of a zod error as `field: problem` parts (the path joined with dots). */
export function zodIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): { field: string; problem: string } {
  const issue = error.issues[0];
  if (!issue) return { field: 'row', problem: 'invalid' };
  const problem = /received undefined$/.test(issue.message) ? 'required (missing or empty)' : issue.message;
  return { field: issue.path.map(String).join('.') || 'row', problem };
}
