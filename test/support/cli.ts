// Runs the bundled `sla` CLI as a user would: a real process, real files, real exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SLA = join(ROOT, 'dist/sla.mjs');
export const CONTRACTS = resolve(ROOT, '../shared/contracts');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const sla = (args: readonly string[], input?: string): CliRun => {
  const run = spawnSync(process.execPath, [SLA, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

/** A fresh temporary folder for one test's files. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'sla-test-'));

export const writeJson = (dir: string, name: string, value: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
