// Labeled, teacher-labeled and unlabeled text files, read as streams of rows.
import { InputError } from '../errors.js';
import { BadLinePolicy } from './bad-lines.js';
import { readLines, sourceName } from './line-reader.js';

/** One usable row; `line` is its 1-based line number in the file. */
export interface TextRow {
  line: number;
  textA: string;
  textB?: string;
}

export interface LabeledRow extends TextRow {
  label: string;
  /** Raw teacher logits (the `logits` column of a teacher-labeled TSV), when present. */
  logits?: Float32Array;
}

/** Where each known column sits in a header; -1 when absent. */
export interface TsvColumns {
  label: number;
  textA: number;
  textB: number;
  logits: number;
  count: number;
}

export function parseHeader(fields: string[]): TsvColumns {
  const at = (name: string) => fields.indexOf(name);
  return { label: at('label'), textA: at('text_a'), textB: at('text_b'), logits: at('logits'), count: fields.length };
}

/** A row's fields and texts, or null (after telling the policy) when its column count or a text is wrong. */
function textFields(
  line: string,
  columns: TsvColumns,
  policy: BadLinePolicy,
  name: string,
  number: number,
): { fields: string[]; textA: string; textB?: string } | null {
  const fields = line.split('\t');
  if (fields.length !== columns.count) {
    policy.reject(`expected ${columns.count} tab-separated columns, found ${fields.length}`, name, number);
    return null;
  }
  const textA = fields[columns.textA]!;
  const textB = columns.textB >= 0 ? fields[columns.textB]! : undefined;
  if (textA.trim() === '' || (textB !== undefined && textB.trim() === '')) {
    policy.reject('empty text', name, number);
    return null;
  }
  return textB !== undefined ? { fields, textA, textB } : { fields, textA };
}

export interface LabeledReadOptions {
  policy?: BadLinePolicy;
  /** When given, a label outside it is a bad row (eval time). */
  knownLabels?: { has(label: string): boolean };
  /** How errors name the known labels, e.g. "the model's labels" (the default) or "the training labels". */
  knownLabelsName?: string;
}

function parseLogits(field: string): Float32Array | null {
  const parts = field.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim();
    const value = part === '' ? NaN : Number(part);
    if (!Number.isFinite(value)) return null;
    out[i] = value;
  }
  return out;
}

/** Rows of a labeled TSV: a header naming `label` and `text_a` (optionally `text_b`, `logits`), any order. */
export async function* readLabeledTsv(file: string, options: LabeledReadOptions = {}): AsyncGenerator<LabeledRow> {
  const policy = options.policy ?? new BadLinePolicy(false);
  const name = sourceName(file);
  let columns: TsvColumns | null = null;
  for await (const raw of readLines(file)) {
    if (columns === null) {
      if (raw.text === null) throw new InputError('header is not valid UTF-8', name, raw.number);
      columns = parseHeader(raw.text.replace(/^\uFEFF/, '').split('\t'));
      if (columns.textA < 0)
        throw new InputError('header must name a text_a column (label, text_a[, text_b])', name, raw.number);
      if (columns.label < 0)
        throw new InputError('header must name a label column (label, text_a[, text_b])', name, raw.number);
      continue;
    }
    if (raw.text === null) {
      policy.reject('invalid UTF-8', name, raw.number);
      continue;
    }
    const parsed = textFields(raw.text, columns, policy, name, raw.number);
    if (!parsed) continue;
    const { fields, textA, textB } = parsed;
    const label = fields[columns.label]!;
    if (label === '') {
      policy.reject('empty label', name, raw.number);
      continue;
    }
    if (options.knownLabels && !options.knownLabels.has(label)) {
      policy.reject(
        `unknown label ${JSON.stringify(label)} (not among ${options.knownLabelsName ?? "the model's labels"})`,
        name,
        raw.number,
      );
      continue;
    }
    const row: LabeledRow = { line: raw.number, textA, label };
    if (textB !== undefined) row.textB = textB;
    if (columns.logits >= 0 && fields[columns.logits] !== '') {
      const logits = parseLogits(fields[columns.logits]!);
      if (logits === null) {
        policy.reject('logits must be comma-separated finite numbers', name, raw.number);
        continue;
      }
      row.logits = logits;
    }
    yield row;
  }
  if (columns === null) throw new InputError('empty file (a header line is required)', name);
}

/** Why a tab in a plain text line is refused: it is most likely a TSV without its header. */
export const PLAIN_TAB_PROBLEM = 'a tab in a plain text line (for a TSV, give a header naming text_a)';

/**
 * Unlabeled texts: a TSV whose header names `text_a` (and `text_b`), or else one text a line
 * (the first line is then a text too). A plain line holding a tab is a bad line: a header-less TSV
 * (`label\ttext`) would otherwise be read as texts with the label inside.
 */
export async function* readTexts(file: string, options: { policy?: BadLinePolicy } = {}): AsyncGenerator<TextRow> {
  const policy = options.policy ?? new BadLinePolicy(false);
  const name = sourceName(file);
  let columns: TsvColumns | null | undefined;
  for await (const raw of readLines(file)) {
    if (columns === undefined) {
      const fields = raw.text?.replace(/^\uFEFF/, '').split('\t') ?? [];
      const header = parseHeader(fields);
      columns = header.textA >= 0 ? header : null;
      if (columns) continue;
    }
    if (raw.text === null) {
      policy.reject('invalid UTF-8', name, raw.number);
      continue;
    }
    if (columns === null) {
      const text = raw.number === 1 ? raw.text.replace(/^\uFEFF/, '') : raw.text;
      if (text.includes('\t')) policy.reject(PLAIN_TAB_PROBLEM, name, raw.number);
      else if (text.trim() === '') policy.reject('empty text', name, raw.number);
      else yield { line: raw.number, textA: text };
      continue;
    }
    const parsed = textFields(raw.text, columns, policy, name, raw.number);
    if (!parsed) continue;
    const { textA, textB } = parsed;
    yield textB !== undefined ? { line: raw.number, textA, textB } : { line: raw.number, textA };
  }
}

/** The number of texts in `file`; an empty file (no usable line) is an error naming `flag`, before any long step. */
export async function countTexts(
  file: string,
  flag: string,
  options: { policy?: BadLinePolicy } = {},
): Promise<number> {
  let rows = 0;
  for await (const _ of readTexts(file, options)) rows++;
  if (rows === 0)
    throw new InputError(`${flag} has no texts (an empty file); give texts or leave ${flag} out`, sourceName(file));
  return rows;
}
