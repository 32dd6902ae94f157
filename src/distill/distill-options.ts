// What distill() takes and what it reports: its options, metrics.json's figures and the files it wrote.
import type { StudentKind } from '../student/native-api.js';
import type { TeacherDevice } from '../teacher/onnx-teacher.js';
import type { ErnieBaseSpeed } from './ernie-base-speed.js';
import type { SpeedupMeasurement } from './speedup.js';

export interface DistillOptions {
  /** ONNX teachers (their logits averaged). */
  teacher?: string[];
  /** KServe v2 teacher services (`http://host:port/v2/models/NAME`), load spread over them. */
  teacherUrl?: string[];
  /** With no ERNIE at hand: train this stronger native model as the teacher and export it to ONNX. */
  trainTeacher?: 'lstm' | 'cnn';
  /** A Hugging Face BERT/ERNIE checkpoint folder: step 1 fine-tunes it natively (`finetune`) into the teacher. */
  pretrained?: string;
  /** The fine-tuning's peak learning rate (default 5e-5). */
  teacherLr?: number;
  /** The teacher's training data (default: --train). */
  teacherTrain?: string;
  vocab?: string;
  lowercase?: boolean;
  /** The teacher's label names in logit order (a service does not say them). */
  teacherLabels?: string[];
  train: string;
  dev: string;
  /** Same-source unlabeled text: one a line, or a TSV with text_a (and text_b). */
  unlabeled?: string;
  /** Fraction of the unlabeled lines to use, drawn at random with --seed (default 1: all). */
  unlabeledRatio?: number;
  /** Augmented lines per training line (default 10, as ERNIE Slim; 0 turns augmentation off). */
  augmentTimes?: number;
  student?: StudentKind;
  ngrams?: 1 | 2;
  /** How the students (and a trained teacher) cut text into words: jieba (default) or each Chinese character. */
  segmenter?: 'jieba' | 'char';
  epochs?: number;
  teacherEpochs?: number;
  lr?: number;
  temperature?: number;
  alpha?: number;
  /** Train a baseline student without distillation too (default true). */
  baseline?: boolean;
  online?: boolean;
  concurrency?: number;
  serverBatchSize?: number;
  teacherTimeoutMs?: number;
  maxLength?: number;
  batchSize?: number;
  device?: TeacherDevice;
  threads?: number;
  seed?: number;
  /** Also time an ERNIE-base-size teacher for the speed-up against it (default true; about 20 CPU-seconds). */
  ernieBaseSpeedup?: boolean;
  /** Quantize the ONNX teacher(s) to int8 before labeling (as `quantize --teacher`; faster on CPUs). */
  quantizeTeacher?: boolean;
  /** Write the compact student (as `quantize --model`) as student.bin and student.onnx; bow students only. */
  quantize?: boolean;
  /** --quantize: quantize's --cutoff, --dsub, --qnorm, --qout. */
  cutoff?: number;
  dsub?: number;
  qnorm?: boolean;
  qout?: boolean;
  /** --quantize: retrain the kept rows on the run's own data (the training set and the teacher's labels). */
  retrain?: boolean;
  out: string;
  /** One line per step, for the user. */
  onStep?: (line: string) => void;
  /** Progress within the long steps: teacher training, augmentation, labeling, the students' epochs. */
  onProgress?: (step: string, done: number, total: number, unit: string) => void;
}

export interface DistillMetrics {
  teacher_accuracy: number;
  teacher_macro_f1: number;
  baseline_accuracy: number | null;
  baseline_macro_f1: number | null;
  student_accuracy: number;
  student_macro_f1: number;
  /** Text pairs with two labels: each model's positive/negative order ratio on dev (null when not pairs). */
  teacher_pos_neg_ratio: number | null;
  baseline_pos_neg_ratio: number | null;
  student_pos_neg_ratio: number | null;
  speedup: number;
  speed: SpeedupMeasurement & { cores: number; cpu: string };
  /** The student against an ERNIE-base-size teacher timed the same way (null when skipped). */
  speedup_vs_ernie_base: number | null;
  ernie_base_speed: ErnieBaseSpeed | null;
  /** Dev figures after each epoch, for the report's pictures. */
  dev_by_epoch: { baseline: EpochFigures[]; student: EpochFigures[] };
  teacher: {
    source: string;
    device: string;
    trained: string | null;
    finetuned: { pretrained: string; dev_accuracy: number | null } | null;
    online: boolean;
    int8: { weights: number; per_channel: boolean; reduce_range: boolean } | null;
  };
  student: {
    kind: StudentKind;
    pair: boolean;
    ngrams: 1 | 2;
    segmenter: 'jieba' | 'char';
    vocab_size: number;
    best_epoch: number;
    tokens_per_second: number;
    device: 'cpu' | 'cuda';
  };
  data: {
    train_rows: number;
    dev_rows: number;
    augmented_rows: number;
    unlabeled_rows: number;
    teacher_labeled_rows: number;
    labels: string[];
  };
  cache: { labels_reused: number; labels_made: number };
  /** --quantize: the distilled student's float and compact forms (null without it). */
  compact: CompactFigures | null;
  timings: Record<string, number>;
}

/** Both forms of a compact student, as `quantize --model --json` reports them. */
export interface CompactFigures {
  float_bytes: number;
  compact_bytes: number;
  float_accuracy: number | null;
  compact_accuracy: number | null;
  kept_rows: number;
  embedding_rows: number;
  cutoff: number;
  dsub: number;
  qnorm: boolean;
  qout: boolean;
  /** Epochs retrained (null without --retrain). */
  retrain_epochs: number | null;
}

export interface DistillResult {
  out: string;
  /** `labels`: the teacher-labeled TSVs the student trained on (in the cache; none when online). */
  files: { student: string; onnx: string; metrics: string; report: string; figures: string[]; labels: string[] };
  metrics: DistillMetrics;
}

/** One epoch's dev figures, as metrics.json keeps them. */
export interface EpochFigures {
  epoch: number;
  dev_accuracy: number | null;
  dev_pos_neg_ratio: number | null;
}
