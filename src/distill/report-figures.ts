// The report's pictures, drawn from metrics.json alone: accuracy against speed (the picture ERNIE Slim's README
// opens with), and dev accuracy per epoch, baseline against distilled (with the order ratio beside it for pairs).
import type { EpochReport } from '../student/train.js';
import type { DistillMetrics, EpochFigures } from './distill-options.js';

export type { EpochFigures } from './distill-options.js';
import { renderChart, type ChartPanel, type ChartSeries, type ReferenceLine } from './svg-charts.js';

export function epochFigures(e: EpochReport): EpochFigures {
  return { epoch: e.epoch, dev_accuracy: e.devAccuracy ?? null, dev_pos_neg_ratio: e.devPosNegRatio ?? null };
}

export interface ReportFigure {
  /** File name, written beside report.md. */
  file: string;
  alt: string;
  svg: string;
  caption: string;
}

// Okabe-Ito colours: told apart with colour-blindness, and each model also has its own marker.
export const MODEL_STYLE = {
  teacher: { color: '#D55E00', marker: 'diamond' },
  ernieBase: { color: '#6E7781', marker: 'triangle' },
  baseline: { color: '#56B4E9', marker: 'circle' },
  student: { color: '#0072B2', marker: 'square' },
} as const;

export function reportFigures(m: DistillMetrics): ReportFigure[] {
  const figures = [accuracyVsSpeed(m)];
  const epochs = epochCurves(m);
  if (epochs) figures.push(epochs);
  return figures;
}

export function modelNames(m: DistillMetrics): { teacher: string; baseline: string; student: string } {
  const kind = `${m.student.pair ? 'two-tower ' : ''}${m.student.kind}`;
  return {
    teacher: `teacher (${m.teacher.trained ? `${m.teacher.trained}, ONNX` : 'ONNX'})`,
    baseline: `${kind} student, no distillation`,
    student: `${kind} student, distilled`,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function accuracyVsSpeed(m: DistillMetrics): ReportFigure {
  const names = modelNames(m);
  const s = m.speed;
  const accuracies = [m.teacher_accuracy, m.baseline_accuracy, m.student_accuracy]
    .filter((a): a is number => a !== null)
    .map((a) => a * 100);
  // Whole 5% steps around the models, with room below for the speed-up arrow.
  const yMin = Math.max(0, Math.floor((Math.min(...accuracies) - 6) / 5) * 5);
  const yMax = Math.min(100, Math.ceil((Math.max(...accuracies) + 2) / 5) * 5);
  const arrowY = yMin + (yMax - yMin) * 0.08;
  const point = (sps: number, acc: number) => ({ x: sps, y: acc * 100, label: pct(acc) });
  const series: ChartSeries[] = [
    { name: names.teacher, ...MODEL_STYLE.teacher, points: [point(s.teacherSentencesPerSecond, m.teacher_accuracy)] },
  ];
  // The baseline is the same architecture as the distilled student, so it sits at the student's measured speed.
  if (m.baseline_accuracy !== null)
    series.push({
      name: names.baseline,
      ...MODEL_STYLE.baseline,
      points: [point(s.studentSentencesPerSecond, m.baseline_accuracy)],
    });
  series.push({
    name: names.student,
    ...MODEL_STYLE.student,
    points: [point(s.studentSentencesPerSecond, m.student_accuracy)],
  });
  const references: ReferenceLine[] = [];
  const e = m.ernie_base_speed;
  let from = { x: s.teacherSentencesPerSecond, y: arrowY };
  let spanLabel = `${fmtTimes(m.speedup)} faster than the teacher`;
  if (e && m.speedup_vs_ernie_base !== null) {
    // Random weights: its speed is ERNIE-base's, its accuracy is nobody's, so it is a line at its speed, not a point.
    references.push({
      axis: 'x',
      value: e.teacherSentencesPerSecond,
      label: `ERNIE-base size (${e.layers}×${e.hidden})\nspeed only: accuracy not measured`,
      color: MODEL_STYLE.ernieBase.color,
      legend: 'ERNIE-base-size teacher (speed only)',
    });
    from = { x: e.teacherSentencesPerSecond, y: arrowY };
    spanLabel = `${fmtTimes(m.speedup_vs_ernie_base)} faster than ERNIE-base`;
  }
  const panel: ChartPanel = {
    x: {
      label: `${m.student.pair ? 'pairs' : 'sentences'} per second on this machine (log scale; the student one at a time)`,
      log: true,
    },
    y: { label: 'dev accuracy (%)', min: yMin, max: yMax, format: (v) => `${v}%` },
    series,
    references,
    spans: [{ from, to: { x: s.studentSentencesPerSecond, y: arrowY }, label: spanLabel, color: '#1f2328' }],
  };
  const svg = renderChart({
    title: 'Accuracy against speed',
    subtitle: `${m.data.dev_rows} dev rows; speed on ${s.cores} cores (${s.cpu})`,
    panels: [panel],
  });
  const ernie = e
    ? ` The grey dashed line is an ERNIE-base-size teacher with random weights: its speed is measured, its accuracy is not.`
    : '';
  return {
    file: 'accuracy-vs-speed.svg',
    alt: 'dev accuracy against sentences per second, log scale',
    svg,
    caption: `Dev accuracy against sentences per second (log scale).${ernie} The baseline student has the distilled student's architecture and is placed at its measured speed.`,
  };
}

function epochCurves(m: DistillMetrics): ReportFigure | null {
  const names = modelNames(m);
  const curves = [
    { name: names.baseline, style: MODEL_STYLE.baseline, epochs: m.dev_by_epoch.baseline },
    { name: names.student, style: MODEL_STYLE.student, epochs: m.dev_by_epoch.student },
  ].filter((c) => c.epochs.some((e) => e.dev_accuracy !== null));
  if (curves.length === 0) return null;
  const pairs = m.teacher_pos_neg_ratio !== null;
  const lastEpoch = Math.max(...curves.flatMap((c) => c.epochs.map((e) => e.epoch)));
  const epochAxis = {
    label: 'epoch',
    integer: true,
    min: lastEpoch > 1 ? 1 : 0.5,
    max: lastEpoch > 1 ? lastEpoch : 1.5,
  };
  const panel = (
    title: string | undefined,
    label: string,
    value: (e: EpochFigures) => number | null,
    teacher: number | null,
    format: (v: number) => string,
    missing?: string,
  ): ChartPanel => {
    const series = curves.map((c) => ({
      name: c.name,
      ...c.style,
      line: true,
      points: c.epochs.map((e) => ({ x: e.epoch, y: value(e) ?? NaN })),
    }));
    const gaps = series.some((s) => s.points.some((p) => !Number.isFinite(p.y)));
    return {
      title,
      x: epochAxis,
      y: { label, format },
      series,
      references:
        teacher === null
          ? []
          : [
              {
                axis: 'y',
                value: teacher,
                label: `teacher ${format(teacher)}`,
                color: MODEL_STYLE.teacher.color,
                legend: names.teacher,
              },
            ],
      note: gaps && missing ? missing : undefined,
    };
  };
  const panels = [
    panel(
      pairs ? 'accuracy' : undefined,
      'dev accuracy (%)',
      (e) => (e.dev_accuracy === null ? null : e.dev_accuracy * 100),
      m.teacher_accuracy * 100,
      (v) => `${trim1(v)}%`,
    ),
  ];
  if (pairs) {
    const ratio = panel(
      'positive/negative order ratio',
      'dev pos/neg order ratio',
      (e) => e.dev_pos_neg_ratio,
      m.teacher_pos_neg_ratio,
      trim1,
      'missing: no discordant pair, so no ratio',
    );
    panels.push(ratio);
  }
  return {
    file: 'dev-accuracy-by-epoch.svg',
    alt: pairs
      ? 'dev accuracy and order ratio per epoch, baseline and distilled student'
      : 'dev accuracy per epoch, baseline and distilled student',
    svg: renderChart({
      title: pairs ? 'Dev accuracy and order ratio per epoch' : 'Dev accuracy per epoch',
      subtitle: 'the best epoch of each is the one kept; the dashed line is the teacher',
      panels,
      panelHeight: 320,
    }),
    caption: `Dev accuracy${pairs ? ' and positive/negative order ratio' : ''} after each epoch, without and with the teacher's labels; each run keeps its best epoch.`,
  };
}

const trim1 = (v: number) => String(Number(v.toFixed(1)));

/** 12×, 1,234×: speed-ups as the report writes them. */
export function fmtTimes(x: number): string {
  return `${x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 0 : 1)}×`;
}
