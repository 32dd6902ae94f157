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
      return new OnnxStudentSession(await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 4, extra }));
    } catch (err) {
      throw new InputError(`onnxruntime cannot open the model: ${(err as Error).message.split('\n')[0]}`, file);
    }
  }

  /** Logits (rows x labels) of CSR rows, padded with [PAD]=0 per run. */
  async logits(rows: TokenRows, numLabels: number): Promise<Float32Array> {
    const count = rows.offsets.length - 1;
    const out = new Float32Array(count * numLabels);
    for (let start = 0; start < count; start += ROWS_PER_RUN) {
      const end = Math.min(count, start + ROWS_PER_RUN);
      let seq = 1;
      for (let r = start; r < end; r++) seq = Math.max(seq, rows.offsets[r + 1]! - rows.offsets[r]!);
      const ids = new BigInt64Array((end - start) * seq);
      for (let r = start; r < end; r++) {
        for (let k = rows.offsets[r]!, j = 0; k < rows.offsets[r + 1]!; k++, j++) ids[(r - start) * seq + j] = BigInt(rows.ids[k]!);
      }
      const result = await this.session.run({ ids: new ort.Tensor('int64', ids, [end - start, seq]) });
      out.set(result.logits!.data as Float32Array, start * numLabels);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
