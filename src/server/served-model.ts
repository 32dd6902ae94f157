// What the service runs: an ERNIE/BERT ONNX teacher fed with id tensors (or text it tokenizes), or a student
// exported by `ernie-slim export` fed with text. Rows from many requests are batched together.
import { OnnxTeacherSession, type TeacherDevice } from '../teacher/onnx-teacher.js';
import { carriesVocabulary, loadTeacherTokenizer, type TeacherTokenizer } from '../teacher/teacher-tokenizer.js';
import { rowLengths, type EncodedTensors } from '../teacher/encoded-window.js';
import { readOnnxMetadataFile } from '../onnx/model-metadata.js';
import { Student } from '../student/student.js';
import { packStudentRows, studentRowLength, type StudentRow } from '../student/token-rows.js';
import { readTeacherLimits, type TeacherLimits } from './teacher-limits.js';
import {
  ID_INPUTS,
  ProtocolError,
  TEXT_INPUT,
  TEXT_PAIR_INPUT,
  type ParsedInputs,
  type TokenRow,
} from './kserve-protocol.js';

export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ServedModel {
  readonly inputs: TensorSpec[];
  readonly outputName: string;
  /** Names a request may use for its tensors. */
  readonly acceptedInputs: readonly string[];
  /** Text requests must carry text_pair too (a two-tower student). */
  readonly pairsRequired?: boolean;
  /** A request's rows, ready for batching (text is tokenized here). */
  rows(parsed: ParsedInputs, maxLength: number): Promise<unknown[]>;
  lengthOf(row: unknown): number;
  run(rows: unknown[]): Promise<{ values: Float32Array; width: number }>;
  release(): Promise<void>;
}

export async function openServedModel(
  file: string,
  options: { vocab?: string; lowercase?: boolean; device?: TeacherDevice; threads?: number },
): Promise<ServedModel> {
  const metadata = await readOnnxMetadataFile(file).catch(() => ({}) as Record<string, string>);
  if ((metadata['ernie_slim.format'] ?? '').startsWith('student/'))
    return new StudentModel(await Student.load(file, { runtime: 'onnxruntime', threads: options.threads }));
  const session = await OnnxTeacherSession.open(file, { ...options, spin: false });
  const tokenizer =
    options.vocab || carriesVocabulary(session.metadata)
      ? await loadTeacherTokenizer(file, session.metadata, options)
      : null;
  return new WordPieceModel(session, tokenizer, await readTeacherLimits(file, session.inputNames));
}

/** An ERNIE/BERT teacher: id tensors in (or text, with a vocabulary), logits out. */
class WordPieceModel implements ServedModel {
  readonly inputs: TensorSpec[];
  readonly acceptedInputs: readonly string[];

  constructor(
    private readonly session: OnnxTeacherSession,
    private readonly tokenizer: TeacherTokenizer | null,
    private readonly limits: TeacherLimits,
  ) {
    const idInputs = session.inputNames.filter((n) => (ID_INPUTS as readonly string[]).includes(n));
    this.inputs = idInputs.map((name) => ({ name, datatype: 'INT64', shape: [-1, -1] }));
    if (tokenizer)
      this.inputs.push(
        { name: TEXT_INPUT, datatype: 'BYTES', shape: [-1] },
        { name: TEXT_PAIR_INPUT, datatype: 'BYTES', shape: [-1] },
      );
    this.acceptedInputs = this.inputs.map((i) => i.name);
  }

  get outputName(): string {
    return this.session.outputName;
  }

  async rows(parsed: ParsedInputs, maxLength: number): Promise<TokenRow[]> {
    if (parsed.kind === 'ids') return this.checked(parsed.rows, 'input_ids');
    if (!this.tokenizer)
      throw new ProtocolError(
        400,
        `this server was started without --vocab, so it cannot take ${TEXT_INPUT}; send input_ids`,
      );
    const { texts, pairs } = parsed;
    // Text is cut to what the teacher's positions cover, as a tokenizer's model_max_length would.
    const longest = Math.min(maxLength, this.limits.maxPositions ?? Infinity);
    const window = await this.tokenizer.encodeBatch(pairs ? texts.map((t, i) => [t, pairs[i]!] as const) : texts, {
      maxLength: longest,
    });
    const lengths = rowLengths(window);
    const rows = Array.from(lengths, (len, r) => {
      const base = r * window.seqLen;
      return { ids: window.inputIds.slice(base, base + len), typeIds: window.tokenTypeIds.slice(base, base + len) };
    });
    return this.checked(rows, TEXT_INPUT);
  }

  /** Rows the teacher can take: ids within its tables, rows within its positions; a 400 naming the first that is not. */
  private checked(rows: TokenRow[], input: string): TokenRow[] {
    const { idRanges, maxPositions } = this.limits;
    const vocab = idRanges.get('input_ids') ?? idRanges.get('src_ids');
    const types = idRanges.get('token_type_ids') ?? idRanges.get('segment_ids') ?? idRanges.get('sent_ids');
    rows.forEach((row, r) => {
      if (maxPositions !== null && row.ids.length > maxPositions) {
        throw new ProtocolError(
          400,
          `the teacher cannot run this input: ${input} row ${r} has ${row.ids.length} tokens, more than its ${maxPositions} positions`,
        );
      }
      const outOfRange = (values: BigInt64Array, limit: number | undefined) =>
        limit === undefined ? -1 : values.findIndex((v) => v >= BigInt(limit));
      const badId = outOfRange(row.ids, vocab);
      if (badId >= 0)
        throw new ProtocolError(
          400,
          `the teacher cannot run this input: ${input} row ${r} has id ${row.ids[badId]} at position ${badId}, outside its vocabulary of ${vocab} ids (0 to ${vocab! - 1})`,
        );
      const badType = outOfRange(row.typeIds, types);
      if (badType >= 0)
        throw new ProtocolError(
          400,
          `the teacher cannot run this input: token_type_ids row ${r} has ${row.typeIds[badType]} at position ${badType}; it takes 0 to ${types! - 1}`,
        );
    });
    return rows;
  }

  lengthOf(row: unknown): number {
    return (row as TokenRow).ids.length;
  }

  async run(rows: unknown[]): Promise<{ values: Float32Array; width: number }> {
    const { logits, labels } = await this.session.run(padRows(rows as TokenRow[], BigInt(this.tokenizer?.padId ?? 0)));
    return { values: logits, width: labels };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** A student exported by `ernie-slim export`: it segments text itself, so clients send BYTES text. */
class StudentModel implements ServedModel {
  readonly inputs: TensorSpec[] = [
    { name: TEXT_INPUT, datatype: 'BYTES', shape: [-1] },
    { name: TEXT_PAIR_INPUT, datatype: 'BYTES', shape: [-1] },
  ];
  readonly acceptedInputs = [TEXT_INPUT, TEXT_PAIR_INPUT];
  readonly outputName = 'logits';

  constructor(private readonly student: Student) {}

  get pairsRequired(): boolean {
    return this.student.pair;
  }

  // The student's own segmentation settings limit its words; --max-len counts WordPiece tokens.
  async rows(parsed: ParsedInputs): Promise<StudentRow[]> {
    if (parsed.kind !== 'text')
      throw new ProtocolError(400, `this model is an ernie-slim student: send a BYTES ${TEXT_INPUT} input`);
    const { texts, pairs } = parsed;
    if (this.student.pair && !pairs)
      throw new ProtocolError(400, `this student compares text pairs: send ${TEXT_PAIR_INPUT} too`);
    return this.student.encodeRows(pairs ? texts.map((t, i) => [t, pairs[i]!] as const) : texts);
  }

  lengthOf(row: unknown): number {
    return studentRowLength(row as StudentRow);
  }

  async run(rows: unknown[]): Promise<{ values: Float32Array; width: number }> {
    const values = await this.student.logitsOfRows(packStudentRows(rows as StudentRow[]));
    return { values, width: this.student.labels.length };
  }

  release(): Promise<void> {
    return this.student.close();
  }
}

function padRows(rows: TokenRow[], padId: bigint): EncodedTensors {
  let seqLen = 1;
  for (const row of rows) seqLen = Math.max(seqLen, row.ids.length);
  const n = rows.length;
  const inputIds = new BigInt64Array(n * seqLen).fill(padId);
  const tokenTypeIds = new BigInt64Array(n * seqLen);
  const attentionMask = new BigInt64Array(n * seqLen);
  rows.forEach((row, i) => {
    inputIds.set(row.ids, i * seqLen);
    tokenTypeIds.set(row.typeIds, i * seqLen);
    attentionMask.fill(1n, i * seqLen, i * seqLen + row.ids.length);
  });
  return { inputIds, tokenTypeIds, attentionMask, batchSize: n, seqLen };
}
