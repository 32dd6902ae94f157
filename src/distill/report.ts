// report.md: ERNIE Slim's results table (teacher, student baseline, student + distillation), the speed-up against
// the run's teacher and against an ERNIE-base-size one, and the pictures written beside it.
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic-file.js';
import type { DistillMetrics } from './distill-options.js';
import { fmtTimes, reportFigures, type ReportFigure } from './report-figures.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

/** Writes report.md and its SVG pictures into `dir`; returns the pictures' paths. */
export async function writeReport(
  dir: string,
  m: DistillMetrics,
  data: { train: string; dev: string },
): Promise<{ report: string; figures: string[] }> {
  const figures = reportFigures(m);
  const files = figures.map((f) => path.join(dir, f.file));
  // The pictures first, so that report.md never points at a picture not yet written.
  await Promise.all(figures.map((f, i) => writeFileAtomic(files[i]!, f.svg)));
  const report = path.join(dir, 'report.md');
  await writeFileAtomic(report, renderReport(m, data, figures));
  return { report, figures: files };
}

export function renderReport(
  m: DistillMetrics,
  data: { train: string; dev: string },
  figures: readonly ReportFigure[] = [],
): string {
  const s = m.speed;
  const e = m.ernie_base_speed;
  const picture = (file: string) => {
    const f = figures.find((x) => x.file === file);
    return f ? [`![${f.alt}](${f.file})`, '', `*${f.caption}*`, ''] : [];
  };
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
    `| teacher (${teacherName(m)}) | ${pct(m.teacher_accuracy)} | ${pct(m.teacher_macro_f1)} |${ratio(m.teacher_pos_neg_ratio)}`,
    `| ${student}, baseline (no distillation) | ${pct(m.baseline_accuracy)} | ${pct(m.baseline_macro_f1)} |${ratio(m.baseline_pos_neg_ratio)}`,
    `| ${student}, with distillation | ${pct(m.student_accuracy)} | ${pct(m.student_macro_f1)} |${ratio(m.student_pos_neg_ratio)}`,
    '',
    ...(m.teacher.int8
      ? [
          `The teacher ran in int8 (\`--quantize-teacher\`: ${m.teacher.int8.weights} weights quantized, ${m.teacher.int8.per_channel ? 'per-channel' : 'per-tensor'} scales${m.teacher.int8.reduce_range ? ', 7-bit' : ''}); its accuracy above is the int8 teacher's.`,
          '',
        ]
      : []),
    ...compactLines(m),
    ...picture('dev-accuracy-by-epoch.svg'),
    '## Speed on this machine',
    '',
    `${s.cores} cores (${s.cpu}), ${s.sentences} dev ${m.student.pair ? 'pairs (a pair counts as one sentence)' : 'sentences'}.`,
    '',
    '| | per sentence | sentences/s |',
    '| --- | --- | --- |',
    `| teacher, batches of 64 (${m.teacher.device}) | ${fmtUs(s.teacherMicrosecondsPerSentence)} | ${s.teacherSentencesPerSecond.toFixed(1)} |`,
    ...(e
      ? [
          `| ERNIE-base-size teacher (${e.layers} layers × ${e.hidden}, ${(e.parameters / 1e6).toFixed(0)}M weights, random), ${e.sentences} of the same sentences, max length ${e.maxLength}, batches of 64 (${e.device}) | ${fmtUs(e.teacherMicrosecondsPerSentence)} | ${e.teacherSentencesPerSecond.toFixed(1)} |`,
        ]
      : []),
    `| student \`predict(text)\`, one at a time, segmentation included | ${fmtUs(s.studentMicrosecondsPerSentence)} | ${s.studentSentencesPerSecond.toFixed(0)} |`,
    '',
    `**Speed-up: ${fmtTimes(s.speedup)} against the teacher used**: the student answers ${s.speedup.toFixed(0)} sentences in the time the teacher scores one.`,
    '',
    ...(e && m.speedup_vs_ernie_base !== null
      ? [
          `**Speed-up: ${fmtTimes(m.speedup_vs_ernie_base)} against an ERNIE-base-size teacher**: the same student against a ${e.layers}-layer, ${e.hidden}-wide ERNIE graph (made by \`make-teacher\`, random weights: its speed is ERNIE-base's, its accuracy is not measured), timed here the same way on ${e.sentences} of the dev ${m.student.pair ? 'pairs' : 'sentences'}${m.timings.speed_ernie_base_seconds !== undefined ? `; measuring it added ${m.timings.speed_ernie_base_seconds.toFixed(1)} s to the run` : ''} (\`--no-ernie-base-speedup\` skips it).`,
          '',
        ]
      : [
          'The speed-up against an ERNIE-base-size teacher was not measured (skipped with `--no-ernie-base-speedup`, or the timing failed: the run said why).',
          '',
        ]),
    ...picture('accuracy-vs-speed.svg'),
    '## Time per step',
    '',
    '| step | seconds |',
    '| --- | --- |',
    ...Object.entries(m.timings).map(
      ([k, v]) => `| ${k.replace(/_seconds$/, '').replace(/_/g, ' ')} | ${v.toFixed(1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}

/** The teacher as the results table names it: a fine-tuned checkpoint, a trained native model, or the files given. */
function teacherName(m: DistillMetrics): string {
  const f = m.teacher.finetuned;
  if (f) {
    const dev = f.dev_accuracy !== null ? `, ${(f.dev_accuracy * 100).toFixed(2)}% on dev when fine-tuned` : '';
    return `\`${f.pretrained}\` fine-tuned by ernie-slim${dev}, exported to ONNX`;
  }
  return m.teacher.trained ? `ernie-slim ${m.teacher.trained}, exported to ONNX` : m.teacher.source;
}

// --quantize: both sizes and both accuracies of the distilled student.
function compactLines(m: DistillMetrics): string[] {
  const c = m.compact;
  if (!c) return [];
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const how = `${c.kept_rows} of ${c.embedding_rows} embedding rows kept${c.retrain_epochs !== null ? ` and retrained for ${c.retrain_epochs} epochs` : ''}, dsub ${c.dsub}${c.qnorm ? ', norms apart' : ''}${c.qout ? ', head quantized' : ''}`;
  return [
    `student.bin and student.onnx hold the compact student (\`--quantize\`: ${how}):`,
    '',
    '| student with distillation | file | dev accuracy |',
    '| --- | --- | --- |',
    `| float | ${mb(c.float_bytes)} | ${pct(c.float_accuracy)} |`,
    `| compact | ${mb(c.compact_bytes)} | ${pct(c.compact_accuracy)} |`,
    '',
  ];
}
