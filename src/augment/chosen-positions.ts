// Positions each chosen independently with probability p, drawn as geometric gaps: one random draw per chosen
// position instead of one per position (the same distribution as a coin per word).
import type { SeededRandom } from '../util/random.js';

/** Ascending indices in [0, count), each present with probability `probability`. */
export function chosenPositions(count: number, probability: number, random: SeededRandom): number[] {
  const chosen: number[] = [];
  if (probability <= 0 || count === 0) return chosen;
  if (probability >= 1) {
    for (let i = 0; i < count; i++) chosen.push(i);
    return chosen;
  }
  const logKeep = Math.log1p(-probability);
  // P(gap >= k) = (1 - p)^k, the chance that k positions in a row are passed over.
  for (
    let i = Math.floor(Math.log1p(-random.next()) / logKeep);
    i < count;
    i += 1 + Math.floor(Math.log1p(-random.next()) / logKeep)
  ) {
    chosen.push(i);
  }
  return chosen;
}
