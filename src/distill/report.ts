// report.md: ERNIE Slim's results table (teacher, student baseline, student + distillation) and the speed-up.
import type { DistillMetrics } from './pipeline.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

export function renderReport(m: DistillMetrics, data: { train: string; dev: string }): string {
  const s = m.speed;
  const student = `student ${m.student.pair ? 'two-tower ' : ''}${m.student.kind}${m.student.ngrams === 2 ? ' + bigrams' : ''}${m.student.segmenter === 'char' ? ' (characters)' : ''}`;
  const pairs = m.teacher_pos_neg_ratio !== null;
  const ratio = (x: number | null) => (pairs ? ` ${x === null ? '—' : x.toFixed(3)} |` : '');
  const lines = [
    '# ernie-slim distillation report',
    '',
    `Training set \`${data.train}\` (${m.data.train_rows} rows); results on \`${data.dev}\` (${m.data.dev_rows} rows).`,
    `The teacher labeled ${m.data.teacher_labeled_rows} lines: ${m.data.augmented_rows} augmented copies of the training set and ${m.data.unlabeled_rows} unlabeled lines.`,
    '',
    `| model | dev accuracy | dev macro-F1 |${pairs ? ' dev pos/neg order ratio |' : ''}`,
    `| --- | --- | --- |${pairs ? ' --- |' : ''}`,
    `| teacher (${m.teacher.trained ? `ernie-slim ${m.teacher.trained}, exported to ONNX` : m.teacher.source}) | ${pct(m.teacher_accuracy)} | ${pct(m.teacher_macro_f1)} |${ratio(m.teacher_pos_neg_ratio)}`,
    `| ${student}, baseline (no distillation) | ${pct(m.baseline_accuracy)} | ${pct(m.baseline_macro_f1)} |${ratio(m.baseline_pos_neg_ratio)}`,
    `| ${student}, with distillation | ${pct(m.student_accuracy)} | ${pct(m.student_macro_f1)} |${ratio(m.student_pos_neg_ratio)}`,
    '',
    ...(m.teacher.int8 ? [`The teacher ran in int8 (\`--quantize-teacher\`: ${m.teacher.int8.weights} weights quantized, ${m.teacher.int8.per_channel ? 'per-channel' : 'per-tensor'} scales${m.teacher.int8.reduce_range ? ', 7-bit' : ''}); its accuracy above is the int8 teacher's.`, ''] : []),
    '## Speed on this machine',
    '',
    `${s.cores} cores (${s.cpu}), ${s.sentences} dev ${m.student.pair ? 'pairs (a pair counts as one sentence)' : 'sentences'}.`,
    '',
    '| | per sentence | sentences/s |',
    '| --- | --- | --- |',
    `| teacher, batches of 64 (${m.teacher.device}) | ${fmtUs(s.teacherMicrosecondsPerSentence)} | ${s.teacherSentencesPerSecond.toFixed(1)} |`,
    `| student \`predict(text)\`, one at a time, segmentation included | ${fmtUs(s.studentMicrosecondsPerSentence)} | ${s.studentSentencesPerSecond.toFixed(0)} |`,
    '',
    `**Speed-up: ${s.speedup.toFixed(0)}×**: the student answers ${s.speedup.toFixed(0)} sentences in the time the teacher scores one.`,
    '',
    '## Time per step',
    '',
    '| step | seconds |',
    '| --- | --- |',
    ...Object.entries(m.timings).map(([k, v]) => `| ${k.replace(/_seconds$/, '').replace(/_/g, ' ')} | ${v.toFixed(1)} |`),
    '',
  ];
  return lines.join('\n');
}

function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}
