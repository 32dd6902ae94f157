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
  ): Promise<{ loss: number; gradients: Record<string, Float32Array> }>;
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
  ): Promise<{ loss: number; gradients: Record<string, Float32Array> }> {
    return this.handle.lossAndGradients(
      batch.inputIds,
      batch.tokenTypeIds,
      batch.attentionMask ?? null,
      labels,
      batch.batchSize,
      batch.seqLen,
      threads,
    );
  }
}
