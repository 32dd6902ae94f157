// The first stage for a batch of rows, on the main thread: jieba cuts the texts on libuv's thread pool, tags come
// from the per-word cache; the result is the rows as records (batch-jobs.ts) for the augmenting threads.
import { analyzeTextAsync, type AnalyzeSettings } from './analyzed-text.js';
import type { InputLayout, InputRow } from './input-rows.js';
import { recordOf } from './batch-jobs.js';
import { WordTagCounts } from './word-tags.js';

export interface AnalyzedBatch {
  /** One record a row, '\n'-terminated. */
  records: string;
  rows: number;
  /** Lines whose text had no words. */
  noWords: number[];
}

export class BatchAnalyzer {
  /** The words seen so far with their tags and counts: the POS table once every row is analyzed. */
  readonly tagCounts: WordTagCounts | null;

  constructor(private readonly settings: AnalyzeSettings) {
    this.tagCounts = settings.tag ? new WordTagCounts(settings.hmm) : null;
  }

  async analyze(rows: readonly InputRow[], layout: InputLayout): Promise<AnalyzedBatch> {
    const analyzed = await Promise.all(
      rows.map((row) =>
        Promise.all(
          layout.textColumns.map((column) => analyzeTextAsync(row.fields[column]!, this.settings, this.tagCounts)),
        ),
      ),
    );
    const batch: AnalyzedBatch = { records: '', rows: 0, noWords: [] };
    analyzed.forEach((texts, r) => {
      const row = rows[r]!;
      if (texts.some((text) => text.words.length === 0)) {
        batch.noWords.push(row.line);
        return;
      }
      batch.records += recordOf(row.line, row.fields, texts, this.settings.tag);
      batch.rows++;
    });
    return batch;
  }
}
