// The work on a batch of rows, the same in a worker thread and in-process: tag (first pass of pos), augment the
// tagged rows (second pass), or segment and augment at once (no pos).
import { analyzeText, type AnalyzedText, type AnalyzeSettings } from './analyzed-text.js';
import type { InputLayout } from './input-rows.js';
import { PosTable, type PosTableEntries } from './pos-table.js';
import { emptyCounts, RowAugmenter, type AugmentSettings, type StrategyCounts } from './row-augmenter.js';
import { spacesBetween } from './word-spacing.js';

// Rows travel as `line<TAB>input line` lines. A tagged row (the spill's record) is one line:
// `line<TAB>input line<TAB>n<TAB>word1..wordn<TAB>tag1..tagn` with the last three repeated per text column.
// Words and tags never hold a tab or newline: TSV fields cannot, and jieba's whitespace tokens are dropped.

export type BatchJob =
  /** First pass of pos: rows to tagged records; the counts stay in the thread until `take-counts`. */
  | { kind: 'tag'; layout: InputLayout; rows: string }
  /** No pos: rows straight to output lines. */
  | { kind: 'augment-rows'; layout: InputLayout; rows: string }
  /** Second pass of pos: tagged records to output lines. */
  | { kind: 'augment-tagged'; layout: InputLayout; records: string }
  | { kind: 'take-counts' }
  | { kind: 'set-table'; entries: PosTableEntries };

export interface BatchResult {
  /** Tagged records or output lines, '\n'-terminated. */
  text: string;
  rows: number;
  lines: number;
  counts: StrategyCounts;
  /** Lines whose text had no words (reported by the caller's bad-line policy). */
  noWords: number[];
  entries?: PosTableEntries;
}

export interface BatchContext {
  settings: AugmentSettings;
  analyze: AnalyzeSettings;
}

function splitRow(rowLine: string, layout: InputLayout): { line: number; fields: string[] } {
  const tab = rowLine.indexOf('\t');
  const raw = rowLine.slice(tab + 1);
  return { line: Number(rowLine.slice(0, tab)), fields: layout.plain ? [raw] : raw.split('\t') };
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
  /** This thread's share of the POS counts (first pass). */
  private counter = new PosTable();
  private table: PosTable | null = null;

  constructor(private readonly context: BatchContext) {}

  run(job: BatchJob): BatchResult {
    switch (job.kind) {
      case 'tag':
        return this.tag(job.layout, job.rows);
      case 'augment-rows':
        return this.augmentRows(job.layout, job.rows);
      case 'augment-tagged':
        return this.augmentTagged(job.layout, job.records);
      case 'take-counts': {
        const entries = this.counter.entries();
        this.counter = new PosTable();
        return { ...this.empty(), entries };
      }
      case 'set-table':
        this.table = PosTable.fromEntries(job.entries);
        this.table.freeze();
        return this.empty();
    }
  }

  private empty(): BatchResult {
    return { text: '', rows: 0, lines: 0, counts: emptyCounts(), noWords: [] };
  }

  private analyzeRow(fields: readonly string[], layout: InputLayout): AnalyzedText[] | null {
    const texts: AnalyzedText[] = [];
    for (const column of layout.textColumns) {
      const text = analyzeText(fields[column]!, this.context.analyze);
      if (text.words.length === 0) return null;
      texts.push(text);
    }
    return texts;
  }

  private tag(layout: InputLayout, rows: string): BatchResult {
    const result = this.empty();
    let out = '';
    eachLine(rows, (rowLine) => {
      const { line, fields } = splitRow(rowLine, layout);
      const texts = this.analyzeRow(fields, layout);
      if (texts === null) {
        result.noWords.push(line);
        return;
      }
      out += line + '\t' + fields.join('\t');
      for (const text of texts) {
        const { words, tags } = text;
        for (let i = 0; i < words.length; i++) this.counter.add(words[i]!, tags![i]!);
        out += '\t' + words.length + '\t' + words.join('\t') + '\t' + tags!.join('\t');
      }
      out += '\n';
      result.rows++;
    });
    result.text = out;
    return result;
  }

  private augmentRows(layout: InputLayout, rows: string): BatchResult {
    const augmenter = new RowAugmenter(this.context.settings, null);
    const result = this.empty();
    let out = '';
    eachLine(rows, (rowLine) => {
      const { line, fields } = splitRow(rowLine, layout);
      const texts = this.analyzeRow(fields, layout);
      if (texts === null) {
        result.noWords.push(line);
        return;
      }
      out += augmenter.augment(line, fields, layout.textColumns, texts);
      result.rows++;
    });
    return { ...result, text: out, lines: augmenter.lines, counts: augmenter.counts };
  }

  private augmentTagged(layout: InputLayout, records: string): BatchResult {
    const augmenter = new RowAugmenter(this.context.settings, this.table);
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
        texts.push({ words, tags: parts.slice(at + 1 + n, at + 1 + 2 * n), spaceBefore: spacesBetween(words) });
        at += 1 + 2 * n;
      }
      out += augmenter.augment(Number(parts[0]), fields, layout.textColumns, texts);
      rows++;
    });
    return { text: out, rows, lines: augmenter.lines, counts: augmenter.counts, noWords: [] };
  }
}
