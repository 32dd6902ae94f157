// augment()'s options: ERNIE Slim's defaults, and checks that name the flag at fault (UsageError, exit 2).
import os from 'node:os';
import { UsageError } from '../errors.js';

export type StrategyName = 'unk' | 'pos' | 'nsample';
export const strategyNames: readonly StrategyName[] = ['unk', 'pos', 'nsample'];

/** ERNIE Slim's data augmentation (ERNIE repo, distill/README.md): p = 0.1 for both replacements, data grown tenfold. */
export const augmentDefaults = {
  times: 10,
  unk: 0.1,
  posReplace: 0.1,
  seed: 1,
  unkToken: '[UNK]',
} as const;

export interface AugmentOptions {
  /** Input file: a TSV whose header names `text_a` (and `label`, `text_b`, any other columns), or one text a line; '-' is stdin. */
  input: string;
  /** Output TSV: the input's columns plus `aug` (`text_a\taug` for plain-text input); '-' is stdout (not atomic). */
  output: string;
  /** New lines per input line (default 10). */
  times?: number;
  /** Probability that a word becomes `[UNK]`; naming it turns the unk strategy on. */
  unk?: number;
  /** Probability that a word becomes another word of its part of speech; naming it turns the pos strategy on. */
  posReplace?: number;
  /** Turns n-sampling on. */
  nsample?: boolean;
  /** Weights of the strategies when choosing one per new line: `unk=1,pos=1,nsample=1` or an object. */
  mix?: string | Partial<Record<StrategyName, number>>;
  /** Seed for every random choice (default 1): the same seed and input give byte-identical output. */
  seed?: number;
  /** Also write each input line, marked `orig`, before its new lines. */
  keepOriginal?: boolean;
  /** Skip malformed rows (counted) instead of failing on the first. */
  skipBadLines?: boolean;
  /** jieba's HMM for words missing from its dictionary (default false, as the student segments). */
  hmm?: boolean;
  /** Directory for the temporary tagged copy the pos strategy reads back (default: the output's directory). */
  tempDir?: string;
  /** Worker threads segmenting and augmenting (default: one per CPU, at most 8); 1 runs in-process. Output is the same for any count. */
  threads?: number;
}

/** The options after defaults and checks. */
export interface ResolvedAugmentOptions {
  input: string;
  output: string;
  times: number;
  unk: number;
  posReplace: number;
  /** Weight per strategy; 0 = off. */
  weights: Record<StrategyName, number>;
  seed: number;
  keepOriginal: boolean;
  skipBadLines: boolean;
  hmm: boolean;
  tempDir: string | undefined;
  threads: number;
  unkToken: string;
}

function probability(value: number | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`--${flag} must be a probability between 0 and 1, got ${String(value)}`);
  }
  return value;
}

/** Parses `unk=1,pos=2,nsample=0` (whitespace allowed); names left out weigh 0. */
export function parseMix(mix: string | Partial<Record<StrategyName, number>>): Record<StrategyName, number> {
  const weights: Record<StrategyName, number> = { unk: 0, pos: 0, nsample: 0 };
  const entries: [string, unknown][] =
    typeof mix === 'string'
      ? mix
          .split(',')
          .filter((part) => part.trim() !== '')
          .map((part) => {
            const eq = part.indexOf('=');
            if (eq < 0)
              throw new UsageError(
                `--mix: expected name=weight, got ${JSON.stringify(part.trim())} (e.g. unk=1,pos=1,nsample=1)`,
              );
            const text = part.slice(eq + 1).trim();
            return [part.slice(0, eq).trim(), text === '' ? NaN : Number(text)];
          })
      : Object.entries(mix);
  if (entries.length === 0) throw new UsageError('--mix names no strategy (e.g. unk=1,pos=1,nsample=1)');
  for (const [name, weight] of entries) {
    if (!(strategyNames as readonly string[]).includes(name)) {
      throw new UsageError(`--mix: unknown strategy ${JSON.stringify(name)} (use ${strategyNames.join(', ')})`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new UsageError(`--mix: the weight of ${name} must be a number >= 0, got ${String(weight)}`);
    }
    weights[name as StrategyName] = weight;
  }
  return weights;
}

const flagOf: Record<StrategyName, string> = { unk: '--unk', pos: '--pos-replace', nsample: '--nsample' };

/**
 * Defaults and checks. Strategies: naming any of `unk`, `posReplace`, `nsample` uses only those; naming none uses
 * all three. `mix` weighs the strategies in use (default 1 each).
 */
export function resolveAugmentOptions(options: AugmentOptions): ResolvedAugmentOptions {
  if (typeof options.input !== 'string' || options.input === '') throw new UsageError('--input is required');
  if (typeof options.output !== 'string' || options.output === '') throw new UsageError('--output is required');
  const times = options.times ?? augmentDefaults.times;
  if (!Number.isInteger(times) || times < 0 || times > 100000) {
    throw new UsageError(`--times must be a whole number from 0 to 100000, got ${String(times)}`);
  }
  const keepOriginal = options.keepOriginal ?? false;
  if (times === 0 && !keepOriginal)
    throw new UsageError('--times 0 writes nothing; add --keep-original or raise --times');
  const seed = options.seed ?? augmentDefaults.seed;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a whole number, got ${String(seed)}`);
  const threads = options.threads ?? Math.min(8, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1 || threads > 256)
    throw new UsageError(`--threads must be a whole number from 1 to 256, got ${String(threads)}`);
  const unk = probability(options.unk, 'unk', augmentDefaults.unk);
  const posReplace = probability(options.posReplace, 'pos-replace', augmentDefaults.posReplace);

  const named = {
    unk: options.unk !== undefined,
    pos: options.posReplace !== undefined,
    nsample: options.nsample === true,
  };
  const anyNamed = named.unk || named.pos || named.nsample;
  const inUse = (name: StrategyName) => !anyNamed || named[name];
  let weights: Record<StrategyName, number>;
  if (options.mix === undefined) {
    weights = { unk: inUse('unk') ? 1 : 0, pos: inUse('pos') ? 1 : 0, nsample: inUse('nsample') ? 1 : 0 };
  } else {
    weights = parseMix(options.mix);
    for (const name of strategyNames) {
      if (weights[name] > 0 && !inUse(name)) {
        throw new UsageError(
          `--mix gives ${name} a weight but ${flagOf[name]} is not set (name it, or leave ${name} out of --mix)`,
        );
      }
    }
  }
  if (weights.unk + weights.pos + weights.nsample <= 0) {
    throw new UsageError('--mix gives every strategy weight 0 (e.g. unk=1,pos=1,nsample=1)');
  }
  return {
    input: options.input,
    output: options.output,
    times,
    unk,
    posReplace,
    weights,
    seed,
    keepOriginal,
    skipBadLines: options.skipBadLines ?? false,
    hmm: options.hmm ?? false,
    tempDir: options.tempDir,
    threads,
    unkToken: augmentDefaults.unkToken,
  };
}
