// `eval` of a teacher ONNX file (a converted or fine-tuned BERT/ERNIE, or any graph Teacher runs): the labeled
// TSV tokenized by the teacher's own vocabulary (its metadata's, or --vocab), scored by the same scoreLogits as
// students. Label names come from the file's metadata, else the logit columns are the labels 0, 1, ...
import { BadLinePolicy } from '../data/bad-lines.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { InputError } from '../errors.js';
import { positiveLabelId, scoreLogits } from '../student/score-logits.js';
import type { EvaluateResult } from '../student/evaluate.js';
import { readOnnxMetadataFile } from '../onnx/model-metadata.js';
import { Teacher } from './teacher.js';
import { TEACHER_TOKENIZER_METADATA } from './teacher-tokenizer.js';
import type { TeacherText } from './teacher-backend.js';

export interface EvaluateTeacherOptions {
  model: string;
  data: string;
  /** WordPiece vocabulary, for a file that carries none. */
  vocab?: string;
  /** Longest row in tokens (default 128, or the teacher's positions when fewer). */
  maxLength?: number;
  skipBadLines?: boolean;
  threads?: number;
  positiveLabel?: string;
}

const CHUNK_ROWS = 2048;

export async function evaluateTeacher(options: EvaluateTeacherOptions): Promise<EvaluateResult> {
  // Rows as long as the teacher takes, up to 128 tokens, unless told.
  const metadata = await readOnnxMetadataFile(options.model).catch(() => ({}) as Record<string, string>);
  const positions = Number(metadata[TEACHER_TOKENIZER_METADATA.maxPositions]);
  const maxLength = options.maxLength ?? (positions > 0 ? Math.min(128, positions) : 128);
  const teacher = await Teacher.open(options.model, {
    ...(options.vocab ? { vocab: options.vocab } : {}),
    maxLength,
    threads: options.threads ?? 2,
  });
  try {
    const width = teacher.labels;
    const names = teacher.labelNames ?? Array.from({ length: width }, (_, i) => String(i));
    if (names.length !== width)
      throw new InputError(`the metadata names ${names.length} labels, the logits have ${width}`, options.model);
    const labels = new LabelMap(names);
    const positiveId = positiveLabelId(names, options.positiveLabel);
    const policy = new BadLinePolicy(options.skipBadLines === true);
    const gold: number[] = [];
    const queries: string[] = [];
    const logits: number[] = [];
    let pairs: boolean | null = null;
    let unknownLabelRows = 0;
    let chunk: LabeledRow[] = [];
    const flush = async () => {
      const texts: TeacherText[] = chunk.map((r) => (r.textB !== undefined ? [r.textA, r.textB] : r.textA));
      for (const row of await teacher.score(texts)) logits.push(...row);
      for (const row of chunk) {
        const id = labels.idOf(row.label);
        // An unseen label is a class of its own (id `width`): no prediction can match it.
        if (id < 0) unknownLabelRows++;
        gold.push(id < 0 ? width : id);
        if (pairs) queries.push(row.textA);
      }
      chunk = [];
    };
    const knownLabels = options.skipBadLines ? undefined : labels;
    for await (const row of readLabeledTsv(options.data, { policy, ...(knownLabels ? { knownLabels } : {}) })) {
      if (!knownLabels && labels.idOf(row.label) < 0)
        policy.reject(
          `unknown label ${JSON.stringify(row.label)} (not among the model's labels; counted as wrong)`,
          options.data,
          row.line,
        );
      if (pairs === null) pairs = row.textB !== undefined;
      chunk.push(row);
      if (chunk.length >= CHUNK_ROWS) await flush();
    }
    if (chunk.length) await flush();
    if (gold.length === 0) throw new InputError('no rows to evaluate', options.data);
    const { posNeg, ...metrics } = scoreLogits(Float32Array.from(logits), width, gold, {
      queries: pairs ? queries : null,
      positiveId,
    });
    const result: EvaluateResult = {
      ...metrics,
      skippedLines: policy.skipped,
      unknownLabelRows,
      runtime: 'onnxruntime',
    };
    if (posNeg) {
      result.posNeg = posNeg;
      result.posNegRatio = posNeg.ratio;
    }
    return result;
  } finally {
    await teacher.close();
  }
}
