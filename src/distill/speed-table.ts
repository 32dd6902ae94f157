// `ernie-slim bench`: how much faster is the student? Tokenizer lines/s, student predict latency and batch
// throughput, teacher sentences/s, and the speed-up, on this machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WordPieceTokenizer } from '../tokenizer/index.js';
import { Student, type StudentInput } from '../student/student.js';
import { train } from '../student/train.js';
import { Teacher } from '../teacher/teacher.js';
import { makeTeacher, ERNIE_BASE } from '../teacher/make-teacher.js';
import { readTexts } from '../data/tsv-reader.js';
import { demoLabeledTsv, demoRows } from './demo-data.js';
import { writeCharacterVocabulary } from './character-vocabulary.js';

export interface SpeedTableOptions {
  /** The teacher to time (default: an ERNIE-base-size graph made here with random weights). */
  teacher?: string;
  vocab?: string;
  /** The student to time (default: a bag-of-words trained here on generated reviews). */
  student?: string;
  /** Texts to time on (one a line, or a TSV with text_a); default: generated reviews. */
  data?: string;
  sentences?: number;
  teacherSentences?: number;
  maxLength?: number;
  threads?: number;
  onStep?: (line: string) => void;
}

export interface SpeedTable {
  cores: number;
  cpu: string;
  sentences: number;
  tokenizer: { linesPerSecond: number };
  student: {
    source: string;
    predictP50Microseconds: number;
    predictP99Microseconds: number;
    predictBatchPerSecond: number;
  };
  teacher: { source: string; sentencesPerSecond: number; microsecondsPerSentence: number; maxLength: number };
  speedup: number;
}

export async function speedTable(options: SpeedTableOptions = {}): Promise<SpeedTable> {
  const say = options.onStep ?? (() => {});
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-'));
  try {
    const n = options.sentences ?? 2000;
    const texts: string[] = [];
    if (options.data) {
      for await (const row of readTexts(options.data)) if (texts.push(row.textA) >= n) break;
    } else {
      texts.push(...demoRows(n, 7).map((r) => r.text));
    }

    // Without a vocabulary: the generated texts' characters, padded to bert-base-chinese's 21,128 tokens.
    let vocab = options.vocab;
    if (!vocab) {
      vocab = path.join(tmp, 'vocab.txt');
      writeCharacterVocabulary(texts, vocab);
    }
    const tokenizer = WordPieceTokenizer.fromFile(vocab);
    await tokenizer.encodeBatch(texts.slice(0, 64));
    let started = performance.now();
    for (let r = 0; r < 5; r++) await tokenizer.encodeBatch(texts, { maxLength: 512 });
    const tokenizerLinesPerSecond = (5 * texts.length) / ((performance.now() - started) / 1000);

    let studentFile = options.student;
    if (!studentFile) {
      say('training a bag-of-words student on generated reviews');
      const trainFile = path.join(tmp, 'train.tsv');
      fs.writeFileSync(trainFile, demoLabeledTsv(demoRows(3000, 8)));
      studentFile = path.join(tmp, 'student.bin');
      await train({ train: trainFile, model: 'bow', epochs: 2, out: studentFile, threads: options.threads });
    }
    const student = await Student.load(studentFile);
    // A two-tower student compares pairs: each text with the next one.
    const inputs: StudentInput[] = student.pair
      ? texts.map((t, i) => [t, texts[(i + 1) % texts.length]!] as const)
      : texts;
    for (const t of inputs.slice(0, 100)) student.predict(t);
    const latencies = new Float64Array(inputs.length);
    inputs.forEach((t, i) => {
      const s = performance.now();
      student.predict(t);
      latencies[i] = (performance.now() - s) * 1000;
    });
    latencies.sort();
    started = performance.now();
    await student.predictBatch(inputs, { threads: options.threads ?? os.availableParallelism() });
    const predictBatchPerSecond = texts.length / ((performance.now() - started) / 1000);

    let teacherFile = options.teacher;
    if (!teacherFile) {
      say('making an ERNIE-base-size teacher (12 layers, 768 hidden, 21,128 tokens, random weights)');
      teacherFile = path.join(tmp, 'ernie-base.onnx');
      fs.writeFileSync(teacherFile, makeTeacher({ ...ERNIE_BASE, vocabSize: tokenizer.vocabSize, padId: 0 }));
    }
    const maxLength = options.maxLength ?? 128;
    const teacher = await Teacher.open(teacherFile, { vocab, maxLength, threads: options.threads });
    const teacherTexts = texts.slice(0, options.teacherSentences ?? 128);
    say(`timing the teacher on ${teacherTexts.length} sentences`);
    await teacher.score(teacherTexts.slice(0, 8));
    started = performance.now();
    await teacher.score(teacherTexts, { batchSize: 64 });
    const teacherSeconds = (performance.now() - started) / 1000;
    await teacher.close();
    await student.close();

    const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    const teacherUs = (teacherSeconds / teacherTexts.length) * 1e6;
    return {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      sentences: texts.length,
      tokenizer: { linesPerSecond: tokenizerLinesPerSecond },
      student: {
        source: options.student ?? 'bow trained on generated reviews',
        predictP50Microseconds: p50,
        predictP99Microseconds: p99,
        predictBatchPerSecond,
      },
      teacher: {
        source: options.teacher ?? 'ERNIE-base-size graph (make-teacher)',
        sentencesPerSecond: teacherTexts.length / teacherSeconds,
        microsecondsPerSentence: teacherUs,
        maxLength,
      },
      speedup: teacherUs / p50,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
