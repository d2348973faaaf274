#!/usr/bin/env node
// The `sla` command line: operator verbs of the TCMPP SLA pipeline.

import { Command, CommanderError } from 'commander';
import { evaluateCommand } from './evaluate-command.ts';
import { CliFailure, EXIT_BAD_INPUT, EXIT_FAILURE, printFailure } from './output.ts';

const program = new Command('sla')
  .description('TCMPP SLA evaluation pipeline')
  .showHelpAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program.addCommand(evaluateCommand());

const debug = process.argv.includes('--debug');
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (e instanceof CliFailure) {
    printFailure(e);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(
      `error: ${(e as Error)?.message ?? String(e)}${debug ? '' : ' (run with --debug for details)'}\n`,
    );
    if (debug) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
