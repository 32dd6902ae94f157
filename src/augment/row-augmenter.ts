// One input row's output lines: `orig` (with keepOriginal), then `times` new lines, each by one strategy.
import { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';
import { StrategyMixer } from './mixer.js';
import { nsample } from './nsample.js';
import type { ResolvedAugmentOptions, StrategyName } from './options.js';
import { posReplace } from './pos-replace.js';
import type { PosTable } from './pos-table.js';
import { unkReplace } from './unk.js';

export type StrategyCounts = Record<StrategyName | 'orig', number>;

/** What a row's lines depend on (plain data, so worker threads get the same). */
export type AugmentSettings = Pick<
  ResolvedAugmentOptions,
  'times' | 'unk' | 'posReplace' | 'weights' | 'seed' | 'keepOriginal' | 'unkToken'
>;

export function emptyCounts(): StrategyCounts {
  return { unk: 0, pos: 0, nsample: 0, orig: 0 };
}

/**
 * The random stream of the row on input line `line`: seeded by (seed, line), so a row's lines do not depend on
 * which thread made them or on the rows before it.
 */
export function rowRandom(seed: number, line: number): SeededRandom {
  return new SeededRandom((Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(line >>> 0, 0x85ebca6b)) >>> 0);
}

export class RowAugmenter {
  private readonly mixer: StrategyMixer;
  readonly counts: StrategyCounts = emptyCounts();
  lines = 0;

  constructor(
    private readonly settings: AugmentSettings,
    private readonly table: PosTable | null,
  ) {
    this.mixer = new StrategyMixer(settings.weights);
  }

  private apply(strategy: StrategyName, text: AnalyzedText, random: SeededRandom): string {
    switch (strategy) {
      case 'unk':
        return unkReplace(text, this.settings.unk, this.settings.unkToken, random);
      case 'pos':
        if (this.table === null) throw new Error('the pos strategy needs a POS table');
        return posReplace(text, this.settings.posReplace, this.table, random);
      case 'nsample':
        return nsample(text, random);
    }
  }

  /** The row's lines, each ending in '\n'; `texts[c]` is the analyzed text of column `textColumns[c]`. */
  augment(
    line: number,
    fields: readonly string[],
    textColumns: readonly number[],
    texts: readonly AnalyzedText[],
  ): string {
    const random = rowRandom(this.settings.seed, line);
    let out = '';
    if (this.settings.keepOriginal) {
      out += fields.join('\t') + '\torig\n';
      this.counts.orig++;
    }
    const row = fields.slice();
    for (let t = 0; t < this.settings.times; t++) {
      const strategy = this.mixer.pick(random);
      // Pairs: both sides get the same strategy, each with its own draws.
      for (let c = 0; c < textColumns.length; c++) row[textColumns[c]!] = this.apply(strategy, texts[c]!, random);
      out += row.join('\t') + '\t' + strategy + '\n';
      this.counts[strategy]++;
    }
    this.lines += (this.settings.keepOriginal ? 1 : 0) + this.settings.times;
    return out;
  }
}
