#!/usr/bin/env node
// The `sla` executable.
import './handler-env.ts';
import { readFileSync } from 'node:fs';
import { main } from './main.ts';

// The AWS SDK clients are pinned to the last releases that support Node 20 (see STACK-NOTES);
// their notice about later releases is for us, not for every operator command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that goes away (`sla … | head`) ends the run with one line, not an unhandled error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  process.stderr.write(`error: standard output closed before the report was written (${e.code ?? e.message})\n`);
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: () => readFileSync(0, 'utf8'),
  workerScript: new URL('./probe-scan-worker.mjs', import.meta.url),
});
