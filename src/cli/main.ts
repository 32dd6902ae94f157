#!/usr/bin/env node
// The ernie-slim command line: a thin yargs layer; every command lives in its own module.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { version } from '../version.js';
import { commands } from './commands.js';
import { closestCommand, typedCommand, usageMessage } from './usage.js';

const argv = hideBin(process.argv);
const commandNames = commands.map((c) => String(c.command).split(' ')[0]!);
const named = typedCommand(argv);
const command = named !== undefined && commandNames.includes(named) ? named : undefined;
const help = `(see ernie-slim${command ? ` ${command}` : ''} --help)`;

function usageFailure(message: string): never {
  process.stderr.write(`ernie-slim: ${message}\n${help}\n`);
  process.exit(2);
}

if (named !== undefined && command === undefined) {
  const near = closestCommand(named, commandNames);
  usageFailure(`unknown command '${named}'${near ? `; did you mean ${near}?` : ''}`);
}

const cli = yargs(argv)
  .scriptName('ernie-slim')
  .usage('$0 <command> [options]')
  .option('json', { type: 'boolean', describe: 'print one JSON object as the last line of stdout' })
  .option('verbose', { type: 'boolean', describe: 'print stack traces on failure' })
  .strict()
  .version(version)
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .fail((msg, err) => {
    // Usage mistakes (unknown flags, bad values) exit with 2, one line naming the flag, and the command's help.
    if (err) throw err;
    usageFailure(usageMessage(msg, argv));
  });

// Ctrl-C and SIGTERM end the process through 'exit', where unfinished temporary files are removed (unless a
// command, like serve, handles the signal itself).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(code);
  });
}

for (const command of commands) cli.command(command as never);
cli.demandCommand(1, 'give a command');

await cli.parseAsync();
