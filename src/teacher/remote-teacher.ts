// A teacher behind KServe v2 services (ernie-slim serve, Triton): with a local vocabulary the ids are sent
// as INT64 tensors; without one, the texts go as a BYTES `text` input and the service tokenizes.
import { InputError } from '../errors.js';
import { gatherRows, rowLengths, type EncodedTensors } from './encoded-window.js';
import { KServeClient, type InferTensor, type KServeClientOptions } from './kserve-client.js';
import { inputRoleOf, type InputRole } from './onnx-teacher.js';
import type { PreparedWindow, TeacherBackend, TeacherText } from './teacher-backend.js';
import type { TeacherTokenizer } from './teacher-tokenizer.js';

export interface RemoteTeacherOptions extends KServeClientOptions {
  /** Rows per request at most; a larger batch is split into concurrent requests. */
  serverBatchSize?: number;
}

interface RemoteWindow extends PreparedWindow {
  window?: EncodedTensors;
  texts?: readonly TeacherText[];
}

/** A token input of the remote model: what it takes and in which integer type (Triton refuses any other). */
interface IdInput {
  name: string;
  role: InputRole;
  datatype: 'INT64' | 'INT32';
}

const TEXT_INPUTS = ['text', 'text_pair'];

export class RemoteTeacherBackend implements TeacherBackend {
  readonly device = 'remote';

  private constructor(
    private readonly client: KServeClient,
    private readonly tokenizer: TeacherTokenizer | null,
    /** The id tensors the remote model takes (empty in text mode). */
    private readonly idInputs: IdInput[],
    private readonly outputName: string,
    private readonly serverBatchSize: number,
  ) {}

  static async open(
    urls: readonly string[],
    tokenizer: TeacherTokenizer | null,
    options: RemoteTeacherOptions = {},
  ): Promise<RemoteTeacherBackend> {
    const client = new KServeClient(urls, options);
    try {
      const meta = await client.metadata();
      const inputNames = (meta.inputs ?? []).map((i) => i.name);
      const takesIds = inputNames.some((n) => inputRoleOf(n) === 'inputIds');
      // Ids when both sides can (the service need not tokenize); else text, which the service tokenizes.
      const sendIds = tokenizer !== null && takesIds;
      if (!sendIds && !inputNames.includes('text')) {
        throw new InputError(
          tokenizer || !takesIds
            ? `the service's model takes ${inputNames.join(', ')}: neither input_ids nor a BYTES text input`
            : `the service takes token ids, not text (its inputs: ${inputNames.join(', ')}), and does not send the teacher's vocabulary: give --vocab the teacher's vocab.txt (serve --triton-repo writes one beside the model)`,
          client.urls[0],
        );
      }
      const idInputs = sendIds ? (meta.inputs ?? []).flatMap((i) => idInputOf(i, client.urls[0]!)) : [];
      const outputName = meta.outputs?.[0]?.name ?? 'logits';
      // Triton refuses a request of more rows than its max_batch_size; ernie-slim serve splits them (and has no /config).
      const config = await client.modelConfig();
      const serverMax = Number(config?.max_batch_size ?? 0);
      const serverBatchSize = Math.max(1, options.serverBatchSize ?? 64);
      return new RemoteTeacherBackend(
        client,
        sendIds ? tokenizer : null,
        idInputs,
        outputName,
        serverMax > 0 ? Math.min(serverBatchSize, serverMax) : serverBatchSize,
      );
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  get source(): string {
    return this.client.urls.join(',');
  }

  get concurrency(): number {
    return this.client.concurrency;
  }

  readonly labelNames = null;

  get retries(): number {
    return this.client.retries;
  }

  async prepare(texts: readonly TeacherText[], maxLength: number): Promise<RemoteWindow> {
    if (this.tokenizer) {
      const window = await this.tokenizer.encodeBatch(texts, { maxLength });
      return { window, lengths: rowLengths(window) };
    }
    // The service tokenizes; characters stand in for tokens when bucketing.
    const lengths = Int32Array.from(texts, (t) =>
      Math.min(maxLength, typeof t === 'string' ? t.length + 2 : t[0].length + t[1].length + 3),
    );
    return { texts, lengths };
  }

  async run(prepared: PreparedWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }> {
    const chunks: number[][] = [];
    for (let i = 0; i < rows.length; i += this.serverBatchSize) chunks.push(rows.slice(i, i + this.serverBatchSize));
    const results = await Promise.all(chunks.map((chunk) => this.runChunk(prepared as RemoteWindow, chunk)));
    const labels = results[0]!.labels;
    const logits = new Float32Array(rows.length * labels);
    let offset = 0;
    for (const r of results) {
      logits.set(r.logits, offset);
      offset += r.logits.length;
    }
    return { logits, labels };
  }

  async probe(): Promise<number> {
    const prepared = await this.prepare(['[CLS]'], 8);
    return (await this.run(prepared, [0])).labels;
  }

  release(): Promise<void> {
    return this.client.close();
  }

  private async runChunk(prepared: RemoteWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }> {
    const inputs: InferTensor[] = [];
    if (prepared.window) {
      const batch = gatherRows(prepared.window, rows, prepared.lengths, BigInt(this.tokenizer!.padId));
      const shape = [batch.batchSize, batch.seqLen];
      for (const { name, role, datatype } of this.idInputs) {
        const data =
          role === 'positionIds'
            ? Array.from({ length: batch.batchSize * batch.seqLen }, (_, i) => i % batch.seqLen)
            : Array.from(batch[role], Number);
        inputs.push({ name, shape, datatype, data });
      }
    } else {
      const texts = rows.map((r) => prepared.texts![r]!);
      const pairs = texts.some((t) => typeof t !== 'string');
      inputs.push({
        name: 'text',
        shape: [texts.length],
        datatype: 'BYTES',
        data: texts.map((t) => (typeof t === 'string' ? t : t[0])),
      });
      if (pairs)
        inputs.push({
          name: 'text_pair',
          shape: [texts.length],
          datatype: 'BYTES',
          data: texts.map((t) => (typeof t === 'string' ? '' : t[1])),
        });
    }
    const outputs = await this.client.infer(inputs, [this.outputName]);
    const out = outputs.find((o) => o.name === this.outputName) ?? outputs[0]!;
    if (out.shape.length !== 2 || out.shape[0] !== rows.length) {
      throw new InputError(
        `the service answered ${out.name} of shape [${out.shape.join(', ')}] for ${rows.length} rows`,
        this.source,
      );
    }
    return { logits: Float32Array.from(out.data as number[]), labels: out.shape[1]! };
  }
}

/** A model input the client feeds with ids; text inputs are skipped, any other is refused by name. */
function idInputOf(input: { name: string; datatype: string }, url: string): IdInput[] {
  if (TEXT_INPUTS.includes(input.name)) return [];
  const role = inputRoleOf(input.name);
  if (role === undefined)
    throw new InputError(
      `the service's model takes an input ${input.name} that ernie-slim cannot feed (it feeds input_ids, token_type_ids, attention_mask, position_ids)`,
      url,
    );
  if (input.datatype !== 'INT64' && input.datatype !== 'INT32')
    throw new InputError(
      `the service's model input ${input.name} is ${input.datatype}; token ids must be INT64 or INT32`,
      url,
    );
  return [{ name: input.name, role, datatype: input.datatype }];
}
