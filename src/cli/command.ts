// The rules every command follows: --json last line, one-line errors, exit codes 0/1/2.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InputError, UsageError } from '../errors.js';
import { stopAllProgress } from './progress.js';
import { numberFlagProblem, type NumberRange } from '../util/number-range.js';

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
  /** The range of every numeric flag (by its CLI name), checked before the body runs. */
  numbers?: Readonly<Record<string, NumberRange>>;
}): CommandModule<object, A> {
  let singleValued: readonly string[] = [];
  return {
    command: spec.command,
    describe: spec.describe,
    builder: ((y: Argv) => {
      const built = spec.builder(y);
      singleValued = singleValueFlags(built);
      return built;
    }) as unknown as CommandModule<object, A>['builder'],
    handler: async (args) => {
      const all = args as ArgumentsCamelCase<A> & GlobalArgs;
      try {
        checkFlags(all as Record<string, unknown>, singleValued, spec.numbers ?? {});
        const result = await spec.run(all);
        stopAllProgress();
        if (all.json) process.stdout.write(JSON.stringify(result ?? {}) + '\n');
      } catch (err) {
        reportFailure(err, all.verbose === true);
      }
    },
  };
}

/** The flags that take one value: every option yargs knows but the array ones and their aliases. */
function singleValueFlags(y: Argv): string[] {
  const options = (
    y as unknown as { getOptions(): { key: Record<string, unknown>; array: string[]; alias: Record<string, string[]> } }
  ).getOptions();
  const arrays = new Set(options.array.flatMap((name) => [name, ...(options.alias[name] ?? [])]));
  return Object.keys(options.key).filter((name) => !arrays.has(name) && name !== 'help' && name !== 'version');
}

/**
 * The flag layer's checks, before any file is read: a single-value flag given twice (yargs then hands over an
 * array, which no command expects), and numbers outside their flag's range. Both are usage errors naming the flag.
 */
export function checkFlags(
  args: Record<string, unknown>,
  singleValued: readonly string[],
  numbers: Readonly<Record<string, NumberRange>>,
): void {
  for (const name of singleValued) {
    if (Array.isArray(args[name]))
      throw new UsageError(`${name.length === 1 ? '-' : '--'}${name} is given more than once; it takes one value`);
  }
  for (const [flag, range] of Object.entries(numbers)) {
    const message = args[flag] === undefined ? null : numberFlagProblem(flag, args[flag], range);
    if (message) throw new UsageError(message);
  }
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
