// augment's input: a TSV whose header names text_a (any other columns are carried), or one text a line.
import { InputError } from '../errors.js';
import type { BadLinePolicy } from '../data/bad-lines.js';
import { readLines, sourceName } from '../data/line-reader.js';
import { PLAIN_TAB_PROBLEM, parseHeader } from '../data/tsv-reader.js';

/** The name of the column augment adds. */
export const augColumn = 'aug';

export interface InputLayout {
  /** The input's columns, as the output's header begins. */
  columns: string[];
  /** Which columns hold text to augment: text_a, then text_b when present. */
  textColumns: number[];
  /** One text a line, no header: the output's header is then `text_a\taug`. */
  plain: boolean;
}

/** A usable row: the line as read, its fields (one, the text, for plain input) and its 1-based line number. */
export interface InputRow {
  line: number;
  text: string;
  fields: string[];
}

const plainLayout: InputLayout = { columns: ['text_a'], textColumns: [0], plain: true };

export class AugmentInput {
  /** Known once the first line is read; plain when the input is empty. */
  layout: InputLayout = plainLayout;
  readonly name: string;

  constructor(
    readonly source: string,
    private readonly policy: BadLinePolicy,
  ) {
    this.name = sourceName(source);
  }

  /** The rows that pass the checks; bad ones throw or are counted by the policy. */
  async *rows(): AsyncGenerator<InputRow> {
    let first = true;
    for await (const raw of readLines(this.source)) {
      if (first) {
        first = false;
        const text = raw.text?.replace(/^\uFEFF/, '') ?? null;
        const header = text === null ? null : parseHeader(text.split('\t'));
        if (text !== null && header !== null && header.textA >= 0) {
          const columns = text.split('\t');
          if (columns.includes(augColumn))
            throw new InputError(`the header already has an ${augColumn} column`, this.name, raw.number);
          const textColumns = header.textB >= 0 ? [header.textA, header.textB] : [header.textA];
          this.layout = { columns, textColumns, plain: false };
          continue;
        }
        this.layout = plainLayout;
        if (text !== null) {
          const row = this.check(text, raw.number);
          if (row) yield row;
          continue;
        }
      }
      if (raw.text === null) {
        this.policy.reject('invalid UTF-8', this.name, raw.number);
        continue;
      }
      const row = this.check(raw.text, raw.number);
      if (row) yield row;
    }
  }

  private check(text: string, line: number): InputRow | null {
    const { layout } = this;
    if (layout.plain) {
      if (text.includes('\t')) {
        this.policy.reject(PLAIN_TAB_PROBLEM, this.name, line);
        return null;
      }
      if (text.trim() === '') {
        this.policy.reject('empty text', this.name, line);
        return null;
      }
      return { line, text, fields: [text] };
    }
    const fields = text.split('\t');
    if (fields.length !== layout.columns.length) {
      this.policy.reject(
        `expected ${layout.columns.length} tab-separated columns, found ${fields.length}`,
        this.name,
        line,
      );
      return null;
    }
    for (const column of layout.textColumns) {
      if (fields[column]!.trim() === '') {
        this.policy.reject(`empty ${layout.columns[column]}`, this.name, line);
        return null;
      }
    }
    return { line, text, fields };
  }
}
