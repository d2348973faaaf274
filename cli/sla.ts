#!/usr/bin/env node
// The `sla` executable.
import { readFileSync } from 'node:fs';
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: () => readFileSync(0, 'utf8'),
  workerScript: new URL('./probe-scan-worker.mjs', import.meta.url),
});
