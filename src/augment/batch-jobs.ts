// The augmenting stage for a batch of rows, the same in a worker thread and in-process: records in, output
// lines out. The POS table arrives once, by `set-table`, before any pos record.
import { analyzedFromWords, type AnalyzedText, type AnalyzeSettings } from './analyzed-text.js';
import type { InputLayout } from './input-rows.js';
import { PosTable, type PosTableEntries } from './pos-table.js';
import { emptyCounts, RowAugmenter, type AugmentSettings, type StrategyCounts } from './row-augmenter.js';

// A record is one line: `line<TAB>input fields<TAB>n<TAB>word1..wordn[<TAB>tag1..tagn]`, the last part repeated per
// text column, tags only when the pos strategy is on. Words and tags never hold a tab or newline: TSV fields
// cannot, and jieba's whitespace tokens are dropped. The pos pass keeps records in its spill file.

export function recordOf(
  line: number,
  fields: readonly string[],
  texts: readonly AnalyzedText[],
  withTags: boolean,
): string {
  let record = line + '\t' + fields.join('\t');
  for (const text of texts) {
    record += '\t' + text.words.length + '\t' + text.words.join('\t');
    if (withTags) record += '\t' + text.tags!.join('\t');
  }
  return record + '\n';
}

export type BatchJob =
  { kind: 'augment'; layout: InputLayout; records: string } | { kind: 'set-table'; entries: PosTableEntries };

export interface BatchResult {
  /** Output lines, '\n'-terminated. */
  text: string;
  rows: number;
  lines: number;
  counts: StrategyCounts;
}

export interface BatchContext {
  settings: AugmentSettings;
  analyze: AnalyzeSettings;
}

function eachLine(text: string, visit: (line: string) => void): void {
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
    visit(text.slice(start, end));
    start = end + 1;
  }
  if (start < text.length) visit(text.slice(start));
}

export class BatchWorker {
  private table: PosTable | null = null;

  constructor(private readonly context: BatchContext) {}

  run(job: BatchJob): BatchResult {
    switch (job.kind) {
      case 'augment':
        return this.augment(job.layout, job.records);
      case 'set-table':
        this.table = PosTable.fromEntries(job.entries);
        this.table.freeze();
        return { text: '', rows: 0, lines: 0, counts: emptyCounts() };
    }
  }

  private augment(layout: InputLayout, records: string): BatchResult {
    const augmenter = new RowAugmenter(this.context.settings, this.table);
    const withTags = this.context.analyze.tag;
    const columnCount = layout.columns.length;
    let out = '';
    let rows = 0;
    eachLine(records, (record) => {
      const parts = record.split('\t');
      const fields = parts.slice(1, 1 + columnCount);
      const texts: AnalyzedText[] = [];
      let at = 1 + columnCount;
      for (let c = 0; c < layout.textColumns.length; c++) {
        const n = Number(parts[at]);
        const words = parts.slice(at + 1, at + 1 + n);
        at += 1 + n;
        const tags = withTags ? parts.slice(at, at + n) : null;
        if (withTags) at += n;
        texts.push(analyzedFromWords(words, tags));
      }
      out += augmenter.augment(Number(parts[0]), fields, layout.textColumns, texts);
      rows++;
    });
    return { text: out, rows, lines: augmenter.lines, counts: augmenter.counts };
  }
}
