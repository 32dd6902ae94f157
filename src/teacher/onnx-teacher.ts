// A sequence-classifier teacher in ONNX Runtime: paddle2onnx ERNIE, Hugging Face/optimum BERT, or any
// graph whose id inputs it recognises; the logits are its first output, [batch, labels].
import fs from 'node:fs';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { InputError } from '../errors.js';
import { readOnnxMetadata } from '../onnx/model-metadata.js';
import { gatherRows, rowLengths, type EncodedTensors } from './encoded-window.js';
import type { PreparedWindow, TeacherBackend, TeacherText } from './teacher-backend.js';
import type { TeacherTokenizer } from './teacher-tokenizer.js';

export type TeacherDevice = 'auto' | 'cpu' | 'cuda';

/** The role of each model input, recognised by name (the exporters' usual spellings). */
export type InputRole = 'inputIds' | 'tokenTypeIds' | 'attentionMask' | 'positionIds';

const ROLE_BY_NAME: Record<string, InputRole> = {
  input_ids: 'inputIds',
  src_ids: 'inputIds',
  token_type_ids: 'tokenTypeIds',
  segment_ids: 'tokenTypeIds',
  sent_ids: 'tokenTypeIds',
  attention_mask: 'attentionMask',
  input_mask: 'attentionMask',
  position_ids: 'positionIds',
  pos_ids: 'positionIds',
};

/** What a model input named `name` takes, or undefined for a name no exporter uses for token inputs. */
export function inputRoleOf(name: string): InputRole | undefined {
  return Object.hasOwn(ROLE_BY_NAME, name) ? ROLE_BY_NAME[name] : undefined;
}

interface TeacherInput {
  name: string;
  role: InputRole;
  type: 'int64' | 'int32';
}

export interface OnnxSessionOptions {
  device?: TeacherDevice;
  /** Intra-op threads; defaults to the machine's cores. */
  threads?: number;
  /** Let ONNX Runtime's threads spin between runs (faster alone; a service turns it off to leave the cores to request handling). */
  spin?: boolean;
  /** Where one-line notices go (the CPU fallback of `auto`). */
  notice?: (line: string) => void;
}

/** One ONNX Runtime session and the mapping from tokenizer tensors to its inputs. */
export class OnnxTeacherSession {
  private constructor(
    readonly file: string,
    readonly session: ort.InferenceSession,
    private readonly inputs: TeacherInput[],
    readonly outputName: string,
    readonly metadata: Record<string, string>,
    readonly device: 'cpu' | 'cuda',
  ) {}

  static async open(file: string, options: OnnxSessionOptions = {}): Promise<OnnxTeacherSession> {
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (err) {
      throw new InputError(
        `cannot read the teacher (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        file,
      );
    }
    let metadata: Record<string, string>;
    try {
      metadata = readOnnxMetadata(bytes);
    } catch {
      throw new InputError('not an ONNX model (the file does not parse as a ModelProto)', file);
    }
    const { session, device } = await createSession(file, bytes, options);
    const inputs = session.inputMetadata.map((meta) => describeInput(file, meta, session.inputNames));
    if (!inputs.some((i) => i.role === 'inputIds')) {
      throw new InputError(
        `the model has no token-id input (found ${session.inputNames.join(', ')}; expected input_ids)`,
        file,
      );
    }
    return new OnnxTeacherSession(file, session, inputs, session.outputNames[0]!, metadata, device);
  }

  /** Which tensors the model reads, so the tokenizer side can skip the others. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Logits [batchSize x labels] for one padded batch. */
  async run(batch: EncodedTensors): Promise<{ logits: Float32Array; labels: number }> {
    const dims = [batch.batchSize, batch.seqLen];
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of this.inputs) feeds[input.name] = tensorFor(input, batch, dims);
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds, [this.outputName]);
    } catch (err) {
      throw new InputError(
        `the teacher failed on a batch of ${batch.batchSize}x${batch.seqLen}: ${firstLine(err)}`,
        this.file,
      );
    }
    const logits = out[this.outputName]!;
    if (logits.dims.length !== 2 || logits.dims[0] !== batch.batchSize || logits.type !== 'float32') {
      throw new InputError(
        `the first output ${this.outputName} is ${logits.type} [${logits.dims.join(', ')}], expected float32 [batch, labels]`,
        this.file,
      );
    }
    return { logits: logits.data as Float32Array, labels: logits.dims[1]! };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// Failures reach the user as one line of ours; ONNX Runtime's own log lines would only repeat them.
ort.env.logLevel = 'fatal';

async function createSession(
  file: string,
  bytes: Buffer,
  options: OnnxSessionOptions,
): Promise<{ session: ort.InferenceSession; device: 'cpu' | 'cuda' }> {
  const device = options.device ?? 'cpu';
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Failures reach the user as one line of ours; ONNX Runtime's own log would repeat them.
    logSeverityLevel: 4,
    ...(options.spin === false
      ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }
      : {}),
  };
  if (device === 'cuda' || device === 'auto') {
    try {
      return {
        session: await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda'] }),
        device: 'cuda',
      };
    } catch (err) {
      if (device === 'cuda') {
        throw new InputError(
          `--device cuda: ONNX Runtime's CUDA provider is not available (${firstLine(err)}); see README "GPU"`,
        );
      }
      (options.notice ?? ((l) => process.stderr.write(l + '\n')))(
        `ernie-slim: no usable CUDA provider (${firstLine(err)}); the teacher runs on the CPU`,
      );
    }
  }
  try {
    return {
      session: await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] }),
      device: 'cpu',
    };
  } catch (err) {
    throw new InputError(`not a model ONNX Runtime can load: ${firstLine(err)}`, file);
  }
}

function describeInput(file: string, meta: ort.InferenceSession.ValueMetadata, all: readonly string[]): TeacherInput {
  const role = inputRoleOf(meta.name);
  if (!role) {
    throw new InputError(
      `cannot feed the model input "${meta.name}" (found ${all.join(', ')}; known: input_ids, token_type_ids, attention_mask, position_ids)`,
      file,
    );
  }
  const type = meta.isTensor ? meta.type : 'non-tensor';
  if (type !== 'int64' && type !== 'int32') {
    throw new InputError(`the model input "${meta.name}" is ${type}; token inputs must be int64 or int32`, file);
  }
  return { name: meta.name, role, type };
}

function tensorFor(input: TeacherInput, batch: EncodedTensors, dims: number[]): ort.Tensor {
  let data: BigInt64Array;
  if (input.role === 'positionIds') {
    data = new BigInt64Array(batch.batchSize * batch.seqLen);
    for (let i = 0; i < data.length; i++) data[i] = BigInt(i % batch.seqLen);
  } else {
    data = batch[input.role];
  }
  // int64 tensors wrap the tokenizer's arrays without a copy; int32 models get a narrowed copy.
  if (input.type === 'int64') return new ort.Tensor('int64', data, dims);
  const narrow = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) narrow[i] = Number(data[i]);
  return new ort.Tensor('int32', narrow, dims);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}

interface TokenizedWindow extends PreparedWindow {
  window: EncodedTensors;
}

/** An ONNX file run in this process, fed by a WordPiece tokenizer. */
export class OnnxTeacherBackend implements TeacherBackend {
  readonly concurrency = 1;

  constructor(
    readonly session: OnnxTeacherSession,
    readonly tokenizer: TeacherTokenizer,
  ) {}

  get source(): string {
    return this.session.file;
  }

  get device(): string {
    return this.session.device;
  }

  get labelNames(): string[] | null {
    return parseLabelNames(this.session.metadata);
  }

  async prepare(texts: readonly TeacherText[], maxLength: number): Promise<TokenizedWindow> {
    const window = await this.tokenizer.encodeBatch(texts, { maxLength });
    return { window, lengths: rowLengths(window) };
  }

  run(prepared: PreparedWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }> {
    const { window, lengths } = prepared as TokenizedWindow;
    return this.session.run(gatherRows(window, rows, lengths, BigInt(this.tokenizer.padId)));
  }

  async probe(): Promise<number> {
    const { clsId, sepId, vocabSize } = this.tokenizer;
    const probe: EncodedTensors = {
      inputIds: BigInt64Array.from([clsId, vocabSize - 1, sepId].map(BigInt)),
      tokenTypeIds: new BigInt64Array(3),
      attentionMask: BigInt64Array.from([1n, 1n, 1n]),
      batchSize: 1,
      seqLen: 3,
    };
    try {
      return (await this.session.run(probe)).labels;
    } catch (err) {
      throw new InputError(
        `the vocabulary (${vocabSize} tokens, ${this.tokenizer.source}) does not fit the teacher (${(err as Error).message.replace(/^.*Status Message: /, '')})`,
        this.session.file,
      );
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export function parseLabelNames(metadata: Record<string, string>): string[] | null {
  const raw = metadata['ernie_slim.labels'];
  if (!raw) return null;
  try {
    const labels = JSON.parse(raw) as unknown;
    return Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : null;
  } catch {
    return null;
  }
}
