// Picks the strategy of each new line in proportion to the --mix weights.
import type { SeededRandom } from '../util/random.js';
import { strategyNames, type StrategyName } from './options.js';

export class StrategyMixer {
  private readonly names: StrategyName[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(weights: Record<StrategyName, number>) {
    let sum = 0;
    for (const name of strategyNames) {
      if (weights[name] <= 0) continue;
      sum += weights[name];
      this.names.push(name);
      this.cumulative.push(sum);
    }
    if (this.names.length === 0) throw new Error('StrategyMixer: every weight is 0');
    this.total = sum;
  }

  /** The strategies that can be picked, in a fixed order. */
  get strategies(): readonly StrategyName[] {
    return this.names;
  }

  /** One strategy; draws nothing when only one is in use, so a single strategy's output does not depend on the mix. */
  pick(random: SeededRandom): StrategyName {
    if (this.names.length === 1) return this.names[0]!;
    const target = random.next() * this.total;
    for (let i = 0; i < this.names.length - 1; i++) if (target < this.cumulative[i]!) return this.names[i]!;
    return this.names[this.names.length - 1]!;
  }
}
