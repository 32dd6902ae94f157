// `ernie-slim serve --triton-repo DIR`: a Triton model repository for an ONNX teacher (DIR/NAME/config.pbtxt,
// DIR/NAME/1/model.onnx), with the vocabulary and label names a `label --teacher URL` client needs beside it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, UsageError } from '../errors.js';
import { fsReason } from '../data/fs-errors.js';
import { forgetTemporary, registerTemporary } from '../data/temp-files.js';
import { readOnnxMetadata } from '../onnx/model-metadata.js';
import { readGraphSignature, type GraphSignature } from '../onnx/graph-signature.js';
import { TEACHER_TOKENIZER_METADATA } from '../teacher/teacher-tokenizer.js';
import { renderTritonConfig, tritonDataType, tritonTensor, type TritonTensor } from './triton-config.js';

export interface TritonRepositoryOptions {
  /** The ONNX teacher. */
  teacher: string;
  /** The model repository folder (`tritonserver --model-repository DIR`); made if missing. */
  repository: string;
  modelName?: string;
  /** Triton's max_batch_size: rows per model run. */
  maxBatch?: number;
  /** How long a request may wait in Triton's queue for others to batch with. */
  maxQueueDelayMs?: number;
  /** Model instances per server. */
  instances?: number;
  /** The teacher's vocabulary, copied beside the model; default: the one the teacher carries. */
  vocab?: string;
  lowercase?: boolean;
  /** Replace an existing DIR/NAME. */
  force?: boolean;
}

export interface TritonRepositoryResult {
  /** DIR/NAME. */
  model: string;
  files: string[];
  vocab: string | null;
  labels: string | null;
  /** The flags `label` needs with `--teacher http://HOST:8000/v2/models/NAME`. */
  clientFlags: string[];
}

/** Triton names the model by its folder and its URL path: one path segment, no surprises. */
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const LABELS_FILE = 'labels.txt';
const VOCAB_FILE = 'vocab.txt';

export async function writeTritonRepository(options: TritonRepositoryOptions): Promise<TritonRepositoryResult> {
  const name = options.modelName ?? 'teacher';
  if (!MODEL_NAME.test(name) || name.length > 200)
    throw new UsageError(
      `--model-name ${JSON.stringify(name)}: use letters, digits, '_', '-' and '.' (it names a folder and a URL path)`,
    );
  const maxBatch = options.maxBatch ?? 64;
  const delayUs = Math.round((options.maxQueueDelayMs ?? 2) * 1000);
  const instances = options.instances ?? 1;
  const teacher = options.teacher;

  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(teacher);
  } catch (err) {
    throw new InputError(`cannot read the teacher: ${fsReason(err)}`, teacher);
  }
  let signature: GraphSignature;
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
    signature = readGraphSignature(bytes);
    if (signature.inputs.length === 0 || signature.outputs.length === 0) throw new Error('no graph inputs or outputs');
  } catch {
    throw new InputError('not an ONNX model (the file does not parse as a ModelProto)', teacher);
  }
  if ((metadata['ernie_slim.format'] ?? '').startsWith('student/'))
    throw new InputError(
      'an ernie-slim student segments its text before its graph runs, which Triton cannot do; serve it with `ernie-slim serve`',
      teacher,
    );
  if (signature.externalInitializers > 0)
    throw new InputError(
      `${signature.externalInitializers} of its weights live in external data files; save the model as one file first`,
      teacher,
    );
  const inputs = signature.inputs.map((t) => tensorFor(teacher, 'input', t));
  const outputs = signature.outputs.map((t) => tensorFor(teacher, 'output', t));

  const labels = labelNamesOf(metadata, outputs[0]!);
  if (labels) outputs[0]!.labelFile = LABELS_FILE;
  const vocab = await vocabularyOf(options.vocab, metadata);
  const config = renderTritonConfig({
    name,
    maxBatchSize: maxBatch,
    inputs,
    outputs,
    maxQueueDelayMicroseconds: delayUs,
    instances,
    comment: `written by ernie-slim serve --triton-repo from ${path.basename(teacher)}`,
  });

  const model = path.join(options.repository, name);
  refuseRepositoryOverInputs(model, { '--teacher': teacher, '--vocab': options.vocab });
  prepareTarget(model, options.force ?? false);
  const files: Record<string, string | Buffer> = { 'config.pbtxt': config, [path.join('1', 'model.onnx')]: bytes };
  if (vocab !== null) files[VOCAB_FILE] = vocab;
  if (labels) files[LABELS_FILE] = labels.join('\n') + '\n';
  await writeFolderAtomic(model, files);

  const lowercase = options.vocab
    ? (options.lowercase ?? true)
    : metadata[TEACHER_TOKENIZER_METADATA.lowercase] !== 'false';
  const clientFlags: string[] = [];
  if (vocab !== null) clientFlags.push('--vocab', path.join(model, VOCAB_FILE));
  if (vocab !== null && !lowercase) clientFlags.push('--no-lowercase');
  if (labels) clientFlags.push('--teacher-labels', path.join(model, LABELS_FILE));
  const positions = Number(metadata[TEACHER_TOKENIZER_METADATA.maxPositions]);
  if (positions > 0 && positions < 128) clientFlags.push('--max-len', String(positions));
  return {
    model,
    files: Object.keys(files).map((f) => path.join(model, f)),
    vocab: vocab !== null ? path.join(model, VOCAB_FILE) : null,
    labels: labels ? path.join(model, LABELS_FILE) : null,
    clientFlags,
  };
}

function tensorFor(file: string, kind: 'input' | 'output', tensor: GraphSignature['inputs'][number]): TritonTensor {
  const dataType = tritonDataType(tensor.elemType);
  if (dataType === null)
    throw new InputError(
      `${kind} ${tensor.name} is not a tensor of a type Triton serves (ONNX type ${tensor.elemType})`,
      file,
    );
  if (tensor.dims === null || tensor.dims.length === 0)
    throw new InputError(`${kind} ${tensor.name} has no batch dimension in the graph's shapes`, file);
  const batch = tensor.dims[0];
  if (typeof batch === 'number')
    throw new InputError(
      `${kind} ${tensor.name} has a fixed first dimension of ${batch}; Triton's batching needs a dynamic batch dimension`,
      file,
    );
  return tritonTensor(tensor, dataType);
}

/** The label names the teacher carries, when they name the columns of its first output. */
function labelNamesOf(metadata: Record<string, string>, logits: TritonTensor): string[] | null {
  let names: unknown;
  try {
    names = JSON.parse(metadata['ernie_slim.labels'] ?? 'null');
  } catch {
    return null;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && !/[\r\n]/.test(n))) return null;
  return logits.dims.length === 1 && logits.dims[0] === names.length ? names : null;
}

async function vocabularyOf(vocab: string | undefined, metadata: Record<string, string>): Promise<Buffer | null> {
  if (vocab !== undefined) {
    try {
      return await fs.promises.readFile(vocab);
    } catch (err) {
      throw new InputError(`cannot read the vocabulary: ${fsReason(err)}`, vocab);
    }
  }
  const carried = metadata[TEACHER_TOKENIZER_METADATA.vocab];
  return carried === undefined ? null : Buffer.from(carried + '\n');
}

/** --force removes DIR/NAME: never when it holds an input. */
function refuseRepositoryOverInputs(model: string, inputs: Record<string, string | undefined>): void {
  let target: string;
  try {
    target = fs.realpathSync(model);
  } catch {
    return; // not there yet: it holds nothing
  }
  for (const [flag, file] of Object.entries(inputs)) {
    if (file === undefined) continue;
    const relative = path.relative(target, fs.realpathSync(file));
    if (!relative.startsWith('..') && !path.isAbsolute(relative))
      throw new UsageError(`--triton-repo: ${model} holds ${file} (${flag}); write the repository elsewhere`);
  }
}

/** DIR/NAME may be absent or an empty folder; a non-empty one only with --force. */
function prepareTarget(model: string, force: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(model);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new InputError('exists and is not a folder', model);
  if (!force && fs.readdirSync(model).length > 0)
    throw new InputError('already exists and is not empty (--force replaces it)', model);
}

/** Writes the files into a hidden sibling folder, then renames it to `target`: the model appears whole or not at all. */
async function writeFolderAtomic(target: string, files: Record<string, string | Buffer>): Promise<void> {
  const parent = path.dirname(target);
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const staging = path.join(parent, `.${path.basename(target)}.${tag}.tmp`);
  const previous = path.join(parent, `.${path.basename(target)}.${tag}.old`);
  try {
    await fs.promises.mkdir(parent, { recursive: true });
    registerTemporary(staging);
    await fs.promises.mkdir(staging);
    for (const [file, data] of Object.entries(files)) {
      await fs.promises.mkdir(path.dirname(path.join(staging, file)), { recursive: true });
      await fs.promises.writeFile(path.join(staging, file), data);
    }
    // Not registered for removal at exit: a stray old model is better than a lost one.
    if (fs.existsSync(target)) await fs.promises.rename(target, previous);
    await fs.promises.rename(staging, target);
    forgetTemporary(staging);
    await fs.promises.rm(previous, { recursive: true, force: true });
  } catch (err) {
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    forgetTemporary(staging);
    // The old model goes back where it was if the new one could not take its place.
    if (fs.existsSync(previous) && !fs.existsSync(target))
      await fs.promises.rename(previous, target).catch(() => undefined);
    throw new InputError(`cannot write: ${fsReason(err)}`, target);
  }
}
