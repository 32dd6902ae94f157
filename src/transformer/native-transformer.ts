// The native BERT/ERNIE classifier (native/transformer): a checkpoint's weights handed to C++ once, padded
// batches of ids in, logits out, off the event loop.
import { native } from '../native.js';
import { namedTensors, type TransformerConfig, type TransformerWeights } from './transformer-weights.js';

interface NativeTransformerHandle {
  forward(
    ids: Int32Array,
    typeIds: Int32Array,
    mask: Int32Array | null,
    batch: number,
    seq: number,
    threads: number,
  ): Promise<Float32Array>;
  lossAndGradients(
    ids: Int32Array,
    typeIds: Int32Array,
    mask: Int32Array | null,
    labels: Int32Array,
    batch: number,
    seq: number,
    threads: number,
    dropout?: TransformerDropout,
  ): Promise<{ loss: number; gradients: Record<string, Float32Array> }>;
  trainStep(
    ids: Int32Array,
    typeIds: Int32Array,
    mask: Int32Array | null,
    labels: Int32Array,
    batch: number,
    seq: number,
    threads: number,
    options: TrainStepOptions,
  ): Promise<TrainStepResult>;
  tensors(): Record<string, Float32Array>;
}

interface NativeTransformerAddon {
  NativeTransformer: new (config: TransformerConfig, tensors: Record<string, Float32Array>) => NativeTransformerHandle;
}

/** A padded batch, row-major [batch, seq]. */
export interface TransformerBatch {
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** 1 for a real token, 0 for padding; absent: every token counts. */
  attentionMask?: Int32Array;
  batchSize: number;
  seqLen: number;
}

/**
 * Dropout while training, as config.json's hidden_dropout_prob and attention_probs_dropout_prob say. Each row's
 * masks come from its own seeded stream (native/transformer/transformer_training.h), so a seed reproduces them.
 */
export interface TransformerDropout {
  hiddenDropout?: number;
  attentionDropout?: number;
  seed?: number;
}

/** One AdamW step: lr from the caller's schedule; gradients clipped to a global norm of maxGradNorm (<= 0: none). */
export interface TrainStepOptions extends TransformerDropout {
  lr: number;
  weightDecay?: number;
  maxGradNorm?: number;
}

export interface TrainStepResult {
  /** The batch's mean cross-entropy before the update. */
  loss: number;
  /** The gradients' global L2 norm before clipping. */
  gradNorm: number;
}

export class NativeTransformer {
  private constructor(
    readonly config: TransformerConfig,
    private readonly handle: NativeTransformerHandle,
  ) {}

  static fromWeights(config: TransformerConfig, weights: TransformerWeights): NativeTransformer {
    const addon = native() as unknown as NativeTransformerAddon;
    return new NativeTransformer(
      config,
      new addon.NativeTransformer(config, Object.fromEntries(namedTensors(config, weights))),
    );
  }

  /** Logits [batchSize x labels]; each row runs up to its last unmasked token. */
  forward(batch: TransformerBatch, threads = 1): Promise<Float32Array> {
    return this.handle.forward(
      batch.inputIds,
      batch.tokenTypeIds,
      batch.attentionMask ?? null,
      batch.batchSize,
      batch.seqLen,
      threads,
    );
  }

  /**
   * The mean softmax cross-entropy of the rows against `labels` (class ids) and the gradient of every tensor,
   * under its Hugging Face name (no prefix) and layout (dense weights [out, in]).
   */
  lossAndGradients(
    batch: TransformerBatch,
    labels: Int32Array,
    threads = 1,
    dropout?: TransformerDropout,
  ): Promise<{ loss: number; gradients: Record<string, Float32Array> }> {
    return this.handle.lossAndGradients(
      batch.inputIds,
      batch.tokenTypeIds,
      batch.attentionMask ?? null,
      labels,
      batch.batchSize,
      batch.seqLen,
      threads,
      dropout,
    );
  }

  /** One AdamW step on the weights in place (await it before any other call on this model). */
  trainStep(
    batch: TransformerBatch,
    labels: Int32Array,
    options: TrainStepOptions,
    threads = 1,
  ): Promise<TrainStepResult> {
    return this.handle.trainStep(
      batch.inputIds,
      batch.tokenTypeIds,
      batch.attentionMask ?? null,
      labels,
      batch.batchSize,
      batch.seqLen,
      threads,
      options,
    );
  }

  /** The weights now, by Hugging Face name (no prefix; dense weights [out, in]). */
  tensors(): Map<string, Float32Array> {
    return new Map(Object.entries(this.handle.tensors()));
  }
}
