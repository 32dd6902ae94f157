// distill()'s step 2: augmented copies of the training set and (a share of) the unlabeled text, labeled by the
// teacher with soft logits and cached by content, or handed to the student for online distillation.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic-file.js';
import { readTexts, type TextRow } from '../data/tsv-reader.js';
import { augment } from '../augment/index.js';
import type { OnlineTeacher } from '../student/online-epoch.js';
import type { Teacher, TeacherOptions } from '../teacher/teacher.js';
import { label } from '../teacher/label.js';
import { SeededRandom } from '../util/random.js';
import type { DistillOptions } from './distill-options.js';
import type { DistillSettings } from './distill-settings.js';
import { cacheKey, fileDigest } from './file-digest.js';

/** A text file for the teacher: augmented copies or unlabeled lines. */
export interface TextsToLabel {
  name: 'augmented' | 'unlabeled';
  file: string;
  rows: number;
}

/** What step 2 gives the student: teacher-labeled files, or an online teacher. */
export interface TeacherLabels {
  toLabel: TextsToLabel[];
  /** The teacher-labeled TSVs (in the cache; none when online). */
  distillFiles: string[];
  online: OnlineTeacher | undefined;
  teacherLabeled: number;
  /** Labeled files found in the cache, and made now. */
  reused: number;
  made: number;
}

/** The teacher as step 2 uses it, with what its labels depend on (for the cache key). */
export interface LabelingTeacher {
  teacher: Teacher;
  sources: string[];
  labelNames: string[];
  /** Model bytes (or service URLs) and vocabulary, as teacherIdentity() gives them. */
  identity: string[];
  options: TeacherOptions & { maxLength: number };
}

type Time = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** The texts the teacher labels: augmented copies of the training set (timed as `augment`), the unlabeled lines. */
export async function textsToLabel(
  options: DistillOptions,
  settings: DistillSettings,
  rows: { train: number; unlabeled: number },
  time: Time,
  say: (l: string) => void,
): Promise<TextsToLabel[]> {
  const toLabel: TextsToLabel[] = [];
  if (settings.augmentTimes > 0) {
    const augmented = await time('augment', () =>
      augmentOnce(options.train, settings.cacheDir, settings.augmentTimes, settings.seed, say, (done) =>
        options.onProgress?.('step 2: augment', done, rows.train, 'rows'),
      ),
    );
    toLabel.push({ name: 'augmented', ...augmented });
  }
  if (options.unlabeled) {
    const sampled = await sampleUnlabeled(
      options.unlabeled,
      settings.cacheDir,
      settings.unlabeledRatio,
      settings.seed,
      rows.unlabeled,
    );
    toLabel.push({ name: 'unlabeled', ...sampled });
  }
  return toLabel;
}

/** The teacher's labels of `toLabel`: soft-labeled TSVs (timed as `label`, reused from the cache), or online. */
export async function labelTexts(
  toLabel: TextsToLabel[],
  teacher: LabelingTeacher,
  options: DistillOptions,
  settings: DistillSettings,
  time: Time,
  say: (l: string) => void,
): Promise<TeacherLabels> {
  const result: TeacherLabels = { toLabel, distillFiles: [], online: undefined, teacherLabeled: 0, reused: 0, made: 0 };
  if (options.online) {
    // Online: no labels are stored; the teacher scores each segment of batches when training reaches it.
    const rows: TextRow[] = [];
    for (const item of toLabel) for await (const row of readTexts(item.file)) rows.push(row);
    result.teacherLabeled = rows.length;
    result.online = { rows, label: (batch) => scoreFlat(teacher.teacher, batch, settings.teacherBatchSize) };
    say(`step 2: online — the teacher labels ${rows.length} lines on demand while the student trains`);
    return result;
  }
  await time('label', async () => {
    for (const item of toLabel) {
      const key = cacheKey([
        teacher.identity,
        await fileDigest(item.file),
        teacher.options.maxLength,
        teacher.labelNames,
      ]);
      const output = path.join(settings.cacheDir, `labels-${item.name}-${key}.tsv`);
      if (fs.existsSync(output)) {
        result.reused++;
        say(
          `step 2: teacher labels for ${item.rows} ${item.name} lines reused from ${path.relative(process.cwd(), output)}`,
        );
      } else {
        say(`step 2: the teacher labels ${item.rows} ${item.name} lines`);
        await label({
          ...teacher.options,
          teacher: teacher.sources,
          input: item.file,
          output,
          soft: true,
          resume: true,
          batchSize: settings.teacherBatchSize,
          labelNames: teacher.labelNames,
          onProgress: (done) => options.onProgress?.(`step 2: label ${item.name}`, done, item.rows, 'lines'),
        });
        result.made++;
      }
      result.teacherLabeled += item.rows;
      result.distillFiles.push(output);
    }
  });
  return result;
}

async function augmentOnce(
  trainFile: string,
  cacheDir: string,
  times: number,
  seed: number,
  say: (l: string) => void,
  onProgress?: (rows: number) => void,
): Promise<{ file: string; rows: number }> {
  const key = cacheKey([await fileDigest(trainFile), times, seed]);
  const file = path.join(cacheDir, `augmented-${key}.tsv`);
  const countFile = `${file}.rows`;
  if (fs.existsSync(file) && fs.existsSync(countFile))
    return { file, rows: Number(fs.readFileSync(countFile, 'utf8')) };
  say(`step 2: augmenting the training set ${times}x`);
  const result = await augment({
    input: trainFile,
    output: file,
    times,
    seed,
    onProgress: ({ rows }) => onProgress?.(rows),
  });
  fs.writeFileSync(countFile, String(result.newLines));
  return { file, rows: result.newLines };
}

/** The unlabeled file itself, or a seeded random share of its lines. */
async function sampleUnlabeled(
  file: string,
  cacheDir: string,
  ratio: number,
  seed: number,
  rows: number,
): Promise<{ file: string; rows: number }> {
  if (ratio >= 1) return { file, rows };
  const key = cacheKey([await fileDigest(file), ratio, seed]);
  const sampled = path.join(cacheDir, `unlabeled-${key}.tsv`);
  const random = new SeededRandom(seed);
  const lines: string[] = [];
  let hasPairs = false;
  for await (const row of readTexts(file)) {
    if (random.next() >= ratio) continue;
    hasPairs ||= row.textB !== undefined;
    lines.push(row.textB !== undefined ? `${row.textA}\t${row.textB}` : row.textA);
  }
  await writeFileAtomic(sampled, (hasPairs ? 'text_a\ttext_b\n' : 'text_a\n') + lines.join('\n') + '\n');
  return { file: sampled, rows: lines.length };
}

/** Teacher logits of rows, flattened (rows x labels), for online distillation. */
async function scoreFlat(teacher: Teacher, rows: readonly TextRow[], batchSize: number): Promise<Float32Array> {
  const logits = await teacher.score(
    rows.map((r) => (r.textB !== undefined ? ([r.textA, r.textB] as const) : r.textA)),
    { batchSize },
  );
  const width = teacher.labels;
  const out = new Float32Array(rows.length * width);
  logits.forEach((row, i) => out.set(row, i * width));
  return out;
}
