// Runs the bundled `sla` with a reader that goes away after the first chunk, as `sla … | head` does.
import { spawn } from 'node:child_process';
import { type CliRun, SLA } from './cli.ts';

export const slaIntoClosedPipe = (args: readonly string[]): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLA, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdout.setEncoding('utf8').once('data', (text: string) => {
      stdout += text;
      child.stdout.destroy();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
