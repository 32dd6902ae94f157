// The quality benchmark, on ../shared: a reference teacher, then ERNIE Slim's two cases.
//  Teacher: an ernie-slim LSTM trained on online_shopping_10_cats (labels) + ChnSentiCorp train, exported to ONNX.
//  Case 1: students on ChnSentiCorp train + the online_shopping texts labeled by the teacher.
//  Case 2: students on ChnSentiCorp train + 10x augmentation labeled by the teacher.
// Results on ChnSentiCorp dev, as ERNIE Slim's tables, with the share of the baseline-to-teacher gap closed.
// Usage: node bench/quality.js [--students bow,cnn,lstm] [--cases 1,2] [--teacher-model lstm|cnn] [--teacher-epochs N] [--out DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { train } from '../dist/index.js';
import { exportOnnx } from '../dist/student/onnx-export.js';
import { distill } from '../dist/distill/pipeline.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared', 'data');
const chnTrain = path.join(shared, 'chnsenticorp', 'train.tsv');
const chnDev = path.join(shared, 'chnsenticorp', 'dev.tsv');
const reviews = path.join(shared, 'online_shopping_10_cats', 'reviews.tsv');
for (const f of [chnTrain, chnDev, reviews]) {
  if (!fs.existsSync(f)) {
    console.log(`skipped: ${f} is missing (the benchmark reads ../shared)`);
    process.exit(0);
  }
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const students = arg('students', 'bow,cnn,lstm').split(',');
const cases = arg('cases', '1,2').split(',').map(Number);
const teacherModel = arg('teacher-model', 'lstm');
const teacherEpochs = arg('teacher-epochs', undefined);
const work = path.resolve(arg('out', path.join(os.tmpdir(), 'ernie-slim-quality')));
fs.mkdirSync(work, { recursive: true });
const log = (line) => process.stderr.write(line + '\n');

// The reference teacher: knows online_shopping's labels as well as ChnSentiCorp train.
const teacherFile = path.join(work, `reference-teacher-${teacherModel}.onnx`);
let teacherNote = 'reused';
if (!fs.existsSync(teacherFile)) {
  const merged = path.join(work, 'teacher-train.tsv');
  const rows = (file) => {
    const [header, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const cols = header.split('\t');
    const l = cols.indexOf('label');
    const t = cols.indexOf('text_a');
    return lines
      .map((line) => line.split('\t'))
      .filter((f) => f.length === cols.length && f[t].trim())
      .map((f) => `${f[l]}\t${f[t]}`);
  };
  fs.writeFileSync(merged, 'label\ttext_a\n' + [...rows(reviews), ...rows(chnTrain)].join('\n') + '\n');
  log(`training the reference teacher (${teacherModel}) on online_shopping_10_cats + ChnSentiCorp train`);
  const started = performance.now();
  const result = await train({
    train: merged,
    dev: chnDev,
    model: teacherModel,
    epochs: teacherEpochs === undefined ? undefined : Number(teacherEpochs),
    seed: 1,
    onEpoch: (e) => log(`  teacher epoch ${e.epoch}: dev ${(e.devAccuracy * 100).toFixed(2)}%`),
  });
  await exportOnnx(result.student.toData(), teacherFile);
  teacherNote = `trained in ${((performance.now() - started) / 1000).toFixed(0)} s`;
}

const results = [];
for (const c of cases) {
  for (const kind of students) {
    log(`case ${c}, ${kind} student`);
    const started = performance.now();
    const { metrics } = await distill({
      teacher: [teacherFile],
      train: chnTrain,
      dev: chnDev,
      unlabeled: c === 1 ? reviews : undefined,
      augmentTimes: c === 1 ? 0 : 10,
      student: kind,
      seed: 1,
      // Accuracy is what this bench measures; the ERNIE-base timing would only add time.
      ernieBaseSpeedup: false,
      out: path.join(work, `case${c}-${kind}`),
      onStep: (l) => log('  ' + l),
    });
    const gap =
      (metrics.student_accuracy - metrics.baseline_accuracy) / (metrics.teacher_accuracy - metrics.baseline_accuracy);
    results.push({
      case: c,
      student: kind,
      teacher: metrics.teacher_accuracy,
      baseline: metrics.baseline_accuracy,
      distilled: metrics.student_accuracy,
      gapClosed: gap,
      seconds: (performance.now() - started) / 1000,
    });
  }
}

const pct = (x) => `${(x * 100).toFixed(2)}%`;
const goals = { 1: { bow: 0.7, cnn: 0.7, lstm: 0.7 }, 2: { bow: 0.35, lstm: 0.65 } };
console.log(
  `\nReference teacher: ernie-slim ${teacherModel} on online_shopping_10_cats + ChnSentiCorp train (${teacherNote}); ChnSentiCorp dev; ${os.availableParallelism()} cores.`,
);
for (const c of cases) {
  console.log(
    `\nCase ${c}: ${c === 1 ? 'ChnSentiCorp train + online_shopping texts labeled by the teacher' : 'ChnSentiCorp train + 10x augmentation labeled by the teacher'}`,
  );
  console.log('| student | teacher | baseline | + distillation | gap closed | goal |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results.filter((r) => r.case === c)) {
    const goal = goals[c][r.student];
    console.log(
      `| ${r.student} | ${pct(r.teacher)} | ${pct(r.baseline)} | ${pct(r.distilled)} | ${(r.gapClosed * 100).toFixed(0)}% | ${goal ? `>= ${goal * 100}%` : '—'} |`,
    );
  }
}
console.log('\n' + JSON.stringify({ results }));
