// "Thousands of times faster" is a claim against ERNIE-base, not against whichever teacher a run used: this times
// an ERNIE-base-size graph (random weights, so its speed is real and its accuracy meaningless) on this machine,
// the way measureSpeedup times the run's own teacher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WordPieceTokenizer } from '../tokenizer/index.js';
import { countParameters, ERNIE_BASE, makeTeacher, type TeacherArchitecture } from '../teacher/make-teacher.js';
import { Teacher, type TeacherText } from '../teacher/teacher.js';
import type { TeacherDevice } from '../teacher/onnx-teacher.js';
import { writeCharacterVocabulary } from './character-vocabulary.js';

/** Sentences timed: a few dozen keep the extra time to seconds while every one is a full forward pass. */
export const ERNIE_BASE_SENTENCES = 32;

export interface ErnieBaseSpeed {
  source: string;
  layers: number;
  hidden: number;
  parameters: number;
  /** The vocabulary the graph was sized to: the run's --vocab, or the texts' characters padded to 21,128. */
  vocab: string;
  sentences: number;
  maxLength: number;
  device: string;
  teacherSentencesPerSecond: number;
  teacherMicrosecondsPerSentence: number;
}

export interface ErnieBaseSpeedOptions {
  /** The run teacher's WordPiece vocabulary, when it has one. */
  vocab?: string;
  lowercase?: boolean;
  maxLength?: number;
  device?: TeacherDevice;
  threads?: number;
  sentences?: number;
  /** A smaller graph for tests; the report always uses ERNIE-base's 12 layers x 768. */
  architecture?: Partial<Omit<TeacherArchitecture, 'vocabSize' | 'padId'>>;
}

export async function measureErnieBaseSpeed(
  texts: readonly TeacherText[],
  options: ErnieBaseSpeedOptions = {},
): Promise<ErnieBaseSpeed> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-ernie-base-'));
  try {
    const timed = texts.slice(0, options.sentences ?? ERNIE_BASE_SENTENCES);
    let vocab = options.vocab;
    if (!vocab) {
      vocab = path.join(tmp, 'vocab.txt');
      writeCharacterVocabulary(
        texts.flatMap((t) => (typeof t === 'string' ? [t] : [...t])),
        vocab,
      );
    }
    const tokenizer = WordPieceTokenizer.fromFile(vocab);
    const architecture: TeacherArchitecture = {
      ...ERNIE_BASE,
      ...options.architecture,
      vocabSize: tokenizer.vocabSize,
      padId: Math.max(0, tokenizer.specialIds.pad),
    };
    const model = path.join(tmp, 'ernie-base.onnx');
    fs.writeFileSync(model, makeTeacher(architecture));
    const maxLength = options.maxLength ?? 128;
    const teacher = await Teacher.open(model, {
      vocab,
      lowercase: options.lowercase,
      maxLength,
      device: options.device,
      threads: options.threads,
    });
    try {
      // Warm-up, as for the run's teacher, so that start-up costs do not count.
      await teacher.score(timed.slice(0, 8));
      const started = performance.now();
      await teacher.score(timed, { batchSize: 64 });
      const seconds = (performance.now() - started) / 1000;
      return {
        source: `ERNIE-base-size graph (make-teacher, ${architecture.layers} layers x ${architecture.hidden} hidden, random weights)`,
        layers: architecture.layers,
        hidden: architecture.hidden,
        parameters: countParameters(architecture),
        vocab: options.vocab ?? `the texts' characters padded to ${tokenizer.vocabSize} tokens`,
        sentences: timed.length,
        maxLength,
        device: teacher.device,
        teacherSentencesPerSecond: timed.length / seconds,
        teacherMicrosecondsPerSentence: (seconds / timed.length) * 1e6,
      };
    } finally {
      await teacher.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
