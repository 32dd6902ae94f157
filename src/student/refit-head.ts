// After product quantization, the layers that stay float (the dense layers and the head) are trained again on the
// training data read through the compact student's own table, its rows frozen: they then fit the quantized
// encodings they will see at predict time, not the float ones they were trained on. The codes do not change.
import type { StudentModelData } from './model-file.js';
import { createNativeModel } from './native-model.js';
import { decodedStudent } from './compact-student.js';
import { encodeStudentData, retrainHyperParameters, type RetrainOptions } from './retrain-pruned.js';
import { runEpochs } from './train-epochs.js';
import type { EncodedTrainingData } from './train-data.js';

export type RefitOptions = Omit<RetrainOptions, 'epochs' | 'lr'> & {
  epochs?: number;
  lr?: number;
  /** The float student: its logits are the soft targets of the rows without a teacher's (what the refit follows). */
  float?: StudentModelData;
};

// A few epochs of the layers above a frozen table are enough to follow the codes, at the student's own rate.
export const REFIT_EPOCHS = 2;

export interface RefitResult {
  model: StudentModelData;
  epochs: number;
  lr: number;
  bestEpoch: number;
  trainRows: number;
  distillRows: number;
}

/** `compact` (embedding quantized, head float) with its float layers refit on `options.train` (and distill). */
export async function refitHead(compact: StudentModelData, options: RefitOptions): Promise<RefitResult> {
  const decoded = decodedStudent(compact);
  const { data, trainRows, distillRows } = await encodeStudentData(decoded, options);
  const hyper = retrainHyperParameters(decoded, { ...options, epochs: options.epochs ?? REFIT_EPOCHS });
  const native = createNativeModel(decoded.config.model);
  native.setWeights(decoded.weights);
  native.freezeEmbedding();
  if (options.float) data.set = { ...data.set, teacherLogits: await floatTargets(options.float, data.set, options) };
  const { quantized: _, weights: __, ...modelData } = decoded;
  const run = await runEpochs({
    model: native,
    data,
    numLabels: compact.labels.length,
    settings: { hyper, temperatureSchedule: 'constant' },
    device: 'cpu',
    modelData,
    trainFile: options.train,
    onEpoch: options.onEpoch,
    note: options.note ?? (() => {}),
  });
  const { embedding: ___, ...refit } = run.best.weights;
  return {
    model: { ...compact, weights: { ...compact.weights, ...refit } },
    epochs: hyper.epochs,
    lr: hyper.lr,
    bestEpoch: run.best.epoch,
    trainRows,
    distillRows,
  };
}

// The float student's logits on the rows, where the rows carry no teacher's own.
async function floatTargets(
  float: StudentModelData,
  set: EncodedTrainingData['set'],
  options: Pick<RefitOptions, 'threads'>,
): Promise<Float32Array> {
  const native = createNativeModel(float.config.model);
  native.setWeights(float.weights);
  const logits = await native.predictRows(set, options.threads ?? 2);
  const labels = float.labels.length;
  const teacher = set.teacherLogits;
  if (teacher)
    for (let r = 0; r < logits.length / labels; r++)
      if (!Number.isNaN(teacher[r * labels]!)) logits.set(teacher.subarray(r * labels, (r + 1) * labels), r * labels);
  return logits;
}
