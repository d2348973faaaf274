// How the CLI reports problems: `error: <path>: <what is wrong>`, at most 20 lines, then a count.

export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;
export const MAX_PRINTED_PROBLEMS = 20;

export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** A failure the user can act on: printed as is, never with a stack trace. */
export class CliFailure extends Error {
  constructor(
    readonly problems: readonly Problem[],
    readonly exitCode: number = EXIT_BAD_INPUT,
    /** problems found beyond those listed */
    readonly totalCount: number = problems.length,
  ) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** Control characters (a newline in an unknown field's name, say) are shown escaped, never printed raw. */
const oneLine = (text: string): string =>
  Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029
      ? `\\u${code.toString(16).padStart(4, '0')}`
      : c;
  }).join('');

export const formatFailure = (failure: CliFailure): string => {
  const lines = failure.problems
    .slice(0, MAX_PRINTED_PROBLEMS)
    .map((p) => `error: ${p.path ? `${oneLine(p.path)}: ` : ''}${oneLine(p.message.replace(/\s+/g, ' '))}`);
  const rest = failure.totalCount - Math.min(failure.problems.length, MAX_PRINTED_PROBLEMS);
  if (rest > 0) lines.push(`error: … and ${rest} more problem${rest === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
};
