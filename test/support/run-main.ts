// Runs `main(argv, io)` in-process with captured output: fast, no bundle, no worker threads.
import { main } from '../../cli/main.ts';

export interface MainRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MainOptions {
  /** what `--input -` reads; absent: reading stdin fails like a closed descriptor */
  readonly stdin?: string;
  /** replaces the captured stdout, e.g. to make writing the report fail */
  readonly stdout?: (text: string) => void;
}

export const runMain = async (args: readonly string[], options: MainOptions = {}): Promise<MainRun> => {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdout:
      options.stdout ??
      ((text) => {
        stdout += text;
      }),
    stderr: (text) => {
      stderr += text;
    },
    stdin: () => {
      if (options.stdin === undefined) throw Object.assign(new Error('EBADF: bad file descriptor'), { code: 'EBADF' });
      return options.stdin;
    },
  });
  return { status, stdout, stderr };
};

/** The lines of an output, without the empty string after its final newline. */
export const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** A Node/V8 stack trace, or an uncaught-error dump. */
export const STACK_TRACE = /^\s+at\s|node:internal|^\s*\^+\s*$|Unhandled '?error'? event|^Node\.js v\d/m;
