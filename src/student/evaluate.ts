// `eval`: a labeled TSV through a student, streamed in chunks; accuracy, macro-F1 and the row count.
import { BadLinePolicy } from '../data/bad-lines.js';
import { readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { InputError } from '../errors.js';
import { argmax, classificationMetrics } from './metrics.js';
import { Student, type StudentLoadOptions } from './student.js';

export interface EvaluateOptions extends StudentLoadOptions {
  /** A model path or a loaded student. */
  model: string | Student;
  /** Labeled TSV. */
  data: string;
  skipBadLines?: boolean;
  threads?: number;
}

export interface EvaluateResult {
  accuracy: number;
  macroF1: number;
  n: number;
  /** Text pairs with two labels: rows predicted as the second label per row predicted as the first. */
  posNegRatio?: number;
  skippedLines: number;
  runtime: 'native' | 'onnxruntime';
}

const CHUNK_ROWS = 2048;

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const student =
    typeof options.model === 'string'
      ? await Student.load(options.model, options.runtime ? { runtime: options.runtime, threads: options.threads ?? 2 } : {})
      : options.model;
  const policy = new BadLinePolicy(options.skipBadLines === true);
  const gold: number[] = [];
  const predicted: number[] = [];
  const width = student.labels.length;
  let pairs = false;
  let chunk: LabeledRow[] = [];
  const flush = async () => {
    const rows = await student.encodeRows(chunk, options.threads ?? 2);
    const logits = await student.logitsOfRows(rows, options.threads ?? 2);
    chunk.forEach((row, r) => {
      gold.push(student.labelMap.idOf(row.label));
      predicted.push(argmax(logits, r * width, width));
    });
    chunk = [];
  };
  for await (const row of readLabeledTsv(options.data, { policy, knownLabels: student.labelMap })) {
    if (row.textB !== undefined) pairs = true;
    chunk.push(row);
    if (chunk.length >= CHUNK_ROWS) await flush();
  }
  if (chunk.length) await flush();
  if (gold.length === 0) throw new InputError('no rows to evaluate', options.data);
  const metrics = classificationMetrics(gold, predicted, width);
  const result: EvaluateResult = { ...metrics, skippedLines: policy.skipped, runtime: student.runtime };
  if (pairs && width === 2) {
    const positive = predicted.filter((p) => p === 1).length;
    result.posNegRatio = positive / Math.max(1, predicted.length - positive);
  }
  return result;
}
