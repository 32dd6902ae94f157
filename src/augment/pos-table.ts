// The data set's words by part of speech, with counts: where "pos" draws a replacement of the same tag.
import type { SeededRandom } from '../util/random.js';

interface TagEntry {
  words: string[];
  counts: number[];
  indexOf: Map<string, number>;
  /** cumulative[i] = counts[0] + ... + counts[i-1]; filled by freeze(). */
  cumulative: Float64Array;
  total: number;
}

/** A table's content as plain arrays, for sending between threads: [tag, words, counts] per tag. */
export type PosTableEntries = [tag: string, words: string[], counts: number[]][];

function newEntry(): TagEntry {
  return { words: [], counts: [], indexOf: new Map(), cumulative: new Float64Array(0), total: 0 };
}

export class PosTable {
  private readonly tags = new Map<string, TagEntry>();
  private frozen = false;

  static fromEntries(entries: PosTableEntries): PosTable {
    const table = new PosTable();
    table.merge(entries);
    return table;
  }

  /** Counts `count` occurrences of `word` with `tag`. */
  add(word: string, tag: string, count = 1): void {
    let entry = this.tags.get(tag);
    if (entry === undefined) {
      entry = newEntry();
      this.tags.set(tag, entry);
    }
    const index = entry.indexOf.get(word);
    if (index === undefined) {
      entry.indexOf.set(word, entry.words.length);
      entry.words.push(word);
      entry.counts.push(count);
    } else {
      entry.counts[index]! += count;
    }
  }

  /** Adds another table's counts (a worker thread's share of the data). */
  merge(entries: PosTableEntries): void {
    for (const [tag, words, counts] of entries)
      for (let i = 0; i < words.length; i++) this.add(words[i]!, tag, counts[i]!);
  }

  entries(): PosTableEntries {
    return [...this.tags].map(([tag, entry]) => [tag, entry.words, entry.counts]);
  }

  /**
   * Ends counting; draws are possible from now on. Words are put in code-unit order first, so draws do not depend
   * on the order the counts arrived in (threads).
   */
  freeze(): void {
    for (const [tag, entry] of this.tags) {
      const order = entry.words
        .map((_, i) => i)
        .sort((a, b) => (entry.words[a]! < entry.words[b]! ? -1 : entry.words[a]! > entry.words[b]! ? 1 : 0));
      const sorted = newEntry();
      for (const i of order) {
        sorted.indexOf.set(entry.words[i]!, sorted.words.length);
        sorted.words.push(entry.words[i]!);
        sorted.counts.push(entry.counts[i]!);
      }
      sorted.cumulative = new Float64Array(sorted.words.length + 1);
      for (let i = 0; i < sorted.words.length; i++)
        sorted.cumulative[i + 1] = sorted.cumulative[i]! + sorted.counts[i]!;
      sorted.total = sorted.cumulative[sorted.words.length]!;
      this.tags.set(tag, sorted);
    }
    this.frozen = true;
  }

  get tagCount(): number {
    return this.tags.size;
  }

  /** Distinct (word, tag) pairs. */
  get entryCount(): number {
    let n = 0;
    for (const entry of this.tags.values()) n += entry.words.length;
    return n;
  }

  count(word: string, tag: string): number {
    const entry = this.tags.get(tag);
    const index = entry?.indexOf.get(word);
    return index === undefined ? 0 : entry!.counts[index]!;
  }

  /**
   * Another word with `tag`, drawn by frequency among the tag's words other than `word`; `word` itself when it is
   * the tag's only word. One random draw: the excluded word's slice of the counts is skipped.
   */
  drawOther(word: string, tag: string, random: SeededRandom): string {
    if (!this.frozen) throw new Error('PosTable.drawOther before freeze()');
    const entry = this.tags.get(tag);
    if (entry === undefined) return word;
    const excluded = entry.indexOf.get(word);
    const excludedCount = excluded === undefined ? 0 : entry.counts[excluded]!;
    const pool = entry.total - excludedCount;
    if (pool <= 0) return word;
    let target = random.int(pool);
    if (excluded !== undefined && target >= entry.cumulative[excluded]!) target += excludedCount;
    // The last i with cumulative[i] <= target.
    let low = 0;
    let high = entry.words.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (entry.cumulative[mid]! <= target) low = mid;
      else high = mid - 1;
    }
    return entry.words[low]!;
  }
}
