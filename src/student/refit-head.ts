// After product quantization, the layers that stay float (the dense layers and the head) are trained again on the
// training data read through the compact student's own table, its rows frozen: they then fit the quantized
// encodings they will see at predict time, not the float ones they were trained on. The codes do not change.
import type { StudentModelData } from './model-file.js';
import { decodedStudent } from './compact-student.js';
import { retrainHyperParameters, trainAgain, type RetrainOptions, type RetrainResult } from './retrain-pruned.js';

/** As retrain's: the data, dev, and epochs/lr when not the defaults below. */
export type RefitOptions = RetrainOptions;

// A few epochs of the layers above a frozen table follow the codes; a tenth of the student's learning rate keeps
// them near what the float student learned.
export const REFIT_EPOCHS = 2;
export const REFIT_LR_SCALE = 0.1;

export type RefitResult = RetrainResult;

/** `compact` (embedding quantized, head float) with its float layers refit on `options.train` (and distill). */
export async function refitHead(compact: StudentModelData, options: RefitOptions): Promise<RefitResult> {
  const decoded = decodedStudent(compact);
  const hyper = retrainHyperParameters(decoded, { ...options, epochs: options.epochs ?? REFIT_EPOCHS });
  if (options.lr === undefined) hyper.lr *= REFIT_LR_SCALE;
  const r = await trainAgain(decoded, options, hyper, (n) => n.freezeEmbedding());
  const { embedding: _, ...refit } = r.weights;
  return { ...r, model: { ...compact, weights: { ...compact.weights, ...refit } } };
}
