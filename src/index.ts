// The package's public API.
export { InputError, UsageError } from './errors.js';
export { version } from './version.js';
export { WordPieceTokenizer } from './tokenizer/index.js';
export type {
  EncodedBatch,
  EncodeOptions,
  Encoding,
  SpecialTokenIds,
  TextOrPair,
  WordPieceTokenizerOptions,
} from './tokenizer/index.js';
export { Teacher } from './teacher/teacher.js';
export type { TeacherOptions, TeacherText } from './teacher/teacher.js';
export { label } from './teacher/label.js';
export type { LabelOptions, LabelResult } from './teacher/label.js';
export { makeTeacher, countParameters } from './teacher/make-teacher.js';
export type { TeacherArchitecture, TeacherStyle } from './teacher/make-teacher.js';
export { quantizeDynamic, INT8_METADATA_KEY } from './onnx/dynamic-quantize.js';
export type {
  DynamicQuantizeOptions,
  DynamicQuantizeResult,
  QuantizedLayer,
  QuantizedOperators,
} from './onnx/dynamic-quantize.js';
export { quantizeTeacherFile } from './teacher/quantize-teacher-file.js';
export type { QuantizeTeacherOptions, QuantizeTeacherResult } from './teacher/quantize-teacher-file.js';
export { augment } from './augment/index.js';
export type {
  AugmentOptions,
  AugmentResult,
  AugmentRunOptions,
  AugmentProgress,
  StrategyName,
} from './augment/index.js';
export {
  Student,
  type Prediction,
  type StudentInput,
  type StudentLoadOptions,
  type PredictBatchOptions,
  type TextEncoderKind,
} from './student/student.js';
export { train, type TrainOptions, type TrainResult, type EpochReport } from './student/train.js';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './student/evaluate.js';
export { evaluateTeacher, type EvaluateTeacherOptions } from './teacher/evaluate-teacher.js';
export { exportOnnx, studentToOnnx } from './student/onnx-export.js';
export {
  readModelFile,
  writeModelFile,
  encodeModelFile,
  decodeModelFile,
  type StudentModelData,
} from './student/model-file.js';
export { ONNX_METADATA } from './student/onnx-import.js';
export { segmentWords, tagWords } from './data/segmenter.js';
export { readLabeledTsv, readTexts, type LabeledRow, type TextRow } from './data/tsv-reader.js';
export { BadLinePolicy } from './data/bad-lines.js';
export { writeFileAtomic, AtomicFileWriter } from './data/atomic-file.js';
export { LabelMap } from './data/label-map.js';
export type { StudentKind, StudentConfig } from './student/native-api.js';
export { distill, type DistillOptions, type DistillResult, type DistillMetrics } from './distill/pipeline.js';
export { runDemo } from './distill/demo.js';
export { TeacherService, type ServeOptions } from './server/teacher-service.js';
export { convert, type ConvertOptions, type ConvertResult } from './teacher/convert.js';
export { finetune, type FinetuneOptions, type FinetuneResult, type FinetuneEpoch } from './transformer/finetune.js';
export { readCheckpoint, type Checkpoint, type ReadCheckpointOptions } from './transformer/checkpoint.js';
export type { TransformerConfig, TransformerWeights } from './transformer/transformer-weights.js';
export {
  NativeTransformer,
  type TransformerBatch,
  type TransformerDropout,
  type TrainStepOptions,
  type TrainStepResult,
} from './transformer/native-transformer.js';
