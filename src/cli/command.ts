// The rules every command follows: --json last line, one-line errors, exit codes 0/1/2.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InputError, UsageError } from '../errors.js';
import { stopAllProgress } from './progress.js';

export interface GlobalArgs {
  json?: boolean;
  verbose?: boolean;
}

/** A command's body returns what `--json` prints; its human result goes through `printResult`, progress to stderr. */
export type CommandBody<A> = (args: ArgumentsCamelCase<A> & GlobalArgs) => Promise<Record<string, unknown> | void>;

export function defineCommand<A>(spec: {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  run: CommandBody<A>;
}): CommandModule<object, A> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: spec.builder as unknown as CommandModule<object, A>['builder'],
    handler: async (args) => {
      const all = args as ArgumentsCamelCase<A> & GlobalArgs;
      try {
        const result = await spec.run(all);
        stopAllProgress();
        if (all.json) process.stdout.write(JSON.stringify(result ?? {}) + '\n');
      } catch (err) {
        reportFailure(err, all.verbose === true);
      }
    },
  };
}

/**
 * A command's result or summary for people: on stdout, unless stdout carries the command's data (`label` to
 * stdout, `augment -o -`) or `--json` makes it the JSON line's alone; then on stderr.
 */
export function printResult(text: string, args: GlobalArgs, stdoutIsData = false): void {
  (args.json || stdoutIsData ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : text + '\n');
}

export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

export function reportFailure(err: unknown, verbose: boolean): void {
  stopAllProgress();
  const e = err instanceof Error ? err : new Error(String(err));
  const line = e.message.split('\n')[0];
  process.stderr.write(`ernie-slim: ${line}\n`);
  if (verbose && !(e instanceof InputError) && e.stack) process.stderr.write(e.stack + '\n');
  else if (verbose && e.stack) process.stderr.write(e.stack + '\n');
  process.exitCode = exitCodeOf(e);
}
