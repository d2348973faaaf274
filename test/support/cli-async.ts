// Runs the bundled `sla` as a child process without blocking this one, so a server the test runs
// in-process (a stand-in of an AWS API) can answer it.
import { execFile } from 'node:child_process';
import { type CliRun, SLA } from './cli.ts';

export const slaAsync = (args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> =>
  new Promise((resolve) => {
    const merged: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', ...env };
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
    execFile(
      process.execPath,
      [SLA, ...args],
      { encoding: 'utf8', env: merged, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
