// Each distinct word's jieba part-of-speech tag and its count in the data set (the POS table's content).
// jieba-rs tags a cut word by its dictionary entry (or eng/m/x outside it), so a word's tag does not depend on its
// sentence: tagging each distinct word once costs far less than tagging every line (an object per word).
import { tagWords } from '../data/segmenter.js';
import { PosTable } from './pos-table.js';

interface WordEntry {
  /** null when jieba does not give the word back whole on its own (its lines are then tagged whole). */
  tag: string | null;
  count: number;
}

export class WordTagCounts {
  private readonly entries = new Map<string, WordEntry>();
  /** Counts of words tagged in their line (the rare lines with a word the per-word lookup cannot tag). */
  private readonly lineTagged = new PosTable();

  constructor(private readonly hmm: boolean) {}

  /** Tags of `words`, counted; null when one of them cannot be tagged alone (nothing is counted then). */
  tagAndCount(words: readonly string[]): string[] | null {
    const found = new Array<WordEntry>(words.length);
    let missing: string[] | null = null;
    for (let i = 0; i < words.length; i++) {
      const entry = this.entries.get(words[i]!);
      if (entry === undefined) (missing ??= []).push(words[i]!);
      else found[i] = entry;
    }
    if (missing !== null) {
      this.learn(missing);
      for (let i = 0; i < words.length; i++) found[i] ??= this.entries.get(words[i]!)!;
    }
    const tags = new Array<string>(words.length);
    for (let i = 0; i < words.length; i++) {
      const tag = found[i]!.tag;
      if (tag === null) return null;
      tags[i] = tag;
    }
    for (const entry of found) entry.count++;
    return tags;
  }

  /** Takes back the counts of `words` (all known and taggable). */
  uncount(words: readonly string[]): void {
    for (const word of words) this.entries.get(word)!.count--;
  }

  /** Counts words tagged some other way (a whole line, or a literal [UNK]). */
  countTagged(words: readonly string[], tags: readonly string[]): void {
    for (let i = 0; i < words.length; i++) this.lineTagged.add(words[i]!, tags[i]!);
  }

  /** Tags new words with one jieba call: a newline between them keeps each one's cut as if alone. */
  private learn(words: readonly string[]): void {
    const unique = [...new Set(words)];
    const tagged = tagWords(unique.join('\n'), this.hmm);
    let t = 0;
    for (const word of unique) {
      // jieba drops the newlines; the tokens of one word add up to its length.
      const first = tagged[t];
      let length = 0;
      let pieces = 0;
      while (length < word.length && t < tagged.length) {
        length += tagged[t++]!.word.length;
        pieces++;
      }
      const whole = pieces === 1 && first !== undefined && first.word === word;
      this.entries.set(word, { tag: whole ? first.tag : null, count: 0 });
    }
  }

  /** The POS table of everything counted. */
  toPosTable(): PosTable {
    const table = new PosTable();
    for (const [word, entry] of this.entries)
      if (entry.tag !== null && entry.count > 0) table.add(word, entry.tag, entry.count);
    table.merge(this.lineTagged.entries());
    return table;
  }
}
