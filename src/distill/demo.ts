// `ernie-slim distill` with no arguments: the whole pipeline on data and a teacher it makes itself, offline.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic-file.js';
import { demoLabeledTsv, demoRows, demoTextLines } from './demo-data.js';
import { distill, type DistillOptions, type DistillResult } from './pipeline.js';

export interface DemoOptions {
  out?: string;
  seed?: number;
  threads?: number;
  /** Time an ERNIE-base-size teacher for the speed-up against it (default true). */
  ernieBaseSpeedup?: boolean;
  onStep?: (line: string) => void;
  onProgress?: DistillOptions['onProgress'];
}

/** Sizes that keep the demo under two minutes on two cores while the teacher still knows more than the student. */
export const DEMO_SIZES = { train: 2000, dev: 1000, unlabeled: 20000, augmentTimes: 4 } as const;

export async function writeDemoData(
  dir: string,
  seed: number,
): Promise<{ train: string; dev: string; unlabeled: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    train: path.join(dir, 'train.tsv'),
    dev: path.join(dir, 'dev.tsv'),
    unlabeled: path.join(dir, 'unlabeled.txt'),
  };
  // Disjoint seeds per split, so no split copies another.
  await writeFileAtomic(files.train, demoLabeledTsv(demoRows(DEMO_SIZES.train, seed * 3 + 1)));
  await writeFileAtomic(files.dev, demoLabeledTsv(demoRows(DEMO_SIZES.dev, seed * 3 + 2)));
  await writeFileAtomic(files.unlabeled, demoTextLines(demoRows(DEMO_SIZES.unlabeled, seed * 3 + 3)));
  return files;
}

export async function runDemo(options: DemoOptions = {}): Promise<DistillResult> {
  const out = options.out ?? 'ernie-slim-demo';
  const seed = options.seed ?? 1;
  const say = options.onStep ?? (() => {});
  say(
    `demo: no arguments were given, so ernie-slim runs its built-in demo offline in ${out}/. It generates Chinese reviews ` +
      `(${DEMO_SIZES.train} labeled, ${DEMO_SIZES.dev} for dev, ${DEMO_SIZES.unlabeled} unlabeled), trains an LSTM teacher on the labeled ones ` +
      `and exports it to ONNX (step 1), lets it label the unlabeled text and ${DEMO_SIZES.augmentTimes}x augmented copies (step 2), trains a ` +
      `bag-of-words student (words and word bigrams) on them and a baseline without (step 3), and writes the results table to ${out}/report.md.`,
  );
  const data = await writeDemoData(path.join(out, 'data'), seed);
  const run: DistillOptions = {
    trainTeacher: 'lstm',
    teacherEpochs: 8,
    train: data.train,
    dev: data.dev,
    unlabeled: data.unlabeled,
    augmentTimes: DEMO_SIZES.augmentTimes,
    student: 'bow',
    ngrams: 2,
    seed,
    threads: options.threads,
    ernieBaseSpeedup: options.ernieBaseSpeedup,
    out,
    onStep: say,
    onProgress: options.onProgress,
  };
  return distill(run);
}
