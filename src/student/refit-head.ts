// After product quantization, the layers that stay float (the dense layers and the head) are trained again on the
// training data read through the compact student's own table, its rows frozen: they then fit the quantized
// encodings they will see at predict time, not the float ones they were trained on. The codes do not change.
import type { StudentModelData } from './model-file.js';
import { createNativeModel } from './native-model.js';
import { decodedStudent } from './compact-student.js';
import { encodeStudentData, retrainHyperParameters, type RetrainOptions } from './retrain-pruned.js';
import { runEpochs } from './train-epochs.js';

export type RefitOptions = Omit<RetrainOptions, 'epochs' | 'lr'> & { epochs?: number; lr?: number };

// A few epochs of the layers above a frozen table follow the codes; a tenth of the student's learning rate keeps
// them near what the float student learned.
export const REFIT_EPOCHS = 2;
export const REFIT_LR_SCALE = 0.1;

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
  if (options.lr === undefined) hyper.lr *= REFIT_LR_SCALE;
  const native = createNativeModel(decoded.config.model);
  native.setWeights(decoded.weights);
  native.freezeEmbedding();
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
