// The `sla` command line as a function: argv in, exit code out, output through `io`.
// cli/sla.ts calls it for the real process; tests call it in-process too.

import { Command, CommanderError } from 'commander';
import { claimsCommand } from './claims-command.ts';
import { evaluateCommand } from './evaluate-command.ts';
import { ingestCommand } from './ingest-command.ts';
import { noticesCommand } from './notices-command.ts';
import { CliFailure, EXIT_BAD_INPUT, EXIT_FAILURE, formatFailure } from './output.ts';
import { pipelineCommand } from './pipeline-command.ts';
import { recalcCommand } from './recalc-command.ts';
import { registryCommands } from './registry-commands.ts';
import { startCommand } from './start-command.ts';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** the scenario read by `--input -` */
  readonly stdin: () => string;
  /** bundled probe-scan worker; absent: scan on the calling thread */
  readonly workerScript?: URL | undefined;
}

export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  const program = new Command('sla')
    .description('TCMPP SLA evaluation pipeline')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    // every verb takes --debug, which the error line below names
    if (command.commands.length === 0 && !command.options.some((o) => o.long === '--debug'))
      command.option('--debug', 'print the stack trace of an unexpected failure');
    for (const sub of command.commands) configure(sub);
  };
  for (const command of [
    evaluateCommand(io),
    ingestCommand(io),
    ...registryCommands(io),
    recalcCommand(io),
    pipelineCommand(io),
    claimsCommand(io),
    noticesCommand(io),
    startCommand(io),
  ]) {
    configure(command);
    program.addCommand(command);
  }
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(['node', 'sla', ...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    if (e instanceof CliFailure) {
      io.stderr(formatFailure(e));
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}\n`);
    if (debug && e instanceof Error) io.stderr(`${e.stack ?? ''}\n`);
    return EXIT_FAILURE;
  }
};
