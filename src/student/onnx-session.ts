// Runs an exported student .onnx with onnxruntime-node: the graph itself, not the native weights.
import ort from 'onnxruntime-node';
import { InputError } from '../errors.js';
import type { TokenRows } from './native-api.js';

// Rows per ORT run: each run pads to its longest row, so smaller runs waste less on padding.
const ROWS_PER_RUN = 256;

export class OnnxStudentSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(file: string, threads = 2): Promise<OnnxStudentSession> {
    try {
      // A student's runs are short: threads that spin between them would only take cores from everything else.
      const extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
      return new OnnxStudentSession(
        await ort.InferenceSession.create(file, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          logSeverityLevel: 4,
          extra,
        }),
      );
    } catch (err) {
      throw new InputError(`onnxruntime cannot open the model: ${(err as Error).message.split('\n')[0]}`, file);
    }
  }

  /** Logits (rows x labels) of CSR rows, padded with [PAD]=0 per run; pair rows feed `ids_a` and `ids_b`. */
  async logits(rows: TokenRows, numLabels: number): Promise<Float32Array> {
    const count = rows.offsets.length - 1;
    const out = new Float32Array(count * numLabels);
    for (let start = 0; start < count; start += ROWS_PER_RUN) {
      const end = Math.min(count, start + ROWS_PER_RUN);
      const feeds: Record<string, ort.Tensor> =
        rows.idsB && rows.offsetsB
          ? { ids_a: padded(rows.ids, rows.offsets, start, end), ids_b: padded(rows.idsB, rows.offsetsB, start, end) }
          : { ids: padded(rows.ids, rows.offsets, start, end) };
      const result = await this.session.run(feeds);
      out.set(result.logits!.data as Float32Array, start * numLabels);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Rows start..end of a CSR set as an int64 [rows, longest] tensor padded with 0. */
function padded(ids: Int32Array, offsets: Int32Array, start: number, end: number): ort.Tensor {
  let seq = 1;
  for (let r = start; r < end; r++) seq = Math.max(seq, offsets[r + 1]! - offsets[r]!);
  const out = new BigInt64Array((end - start) * seq);
  for (let r = start; r < end; r++) {
    for (let k = offsets[r]!, j = 0; k < offsets[r + 1]!; k++, j++) out[(r - start) * seq + j] = BigInt(ids[k]!);
  }
  return new ort.Tensor('int64', out, [end - start, seq]);
}
