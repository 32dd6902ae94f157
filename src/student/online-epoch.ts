// Online distillation's epoch: the order is cut into segments of batches; the teacher labels the next
// segment's rows while the current one trains, and its logits never touch the disk.
import type { EpochOptions, EpochResult, NativeStudentModel, TrainingSet } from './native-api.js';
import type { TextRow } from '../data/tsv-reader.js';

/** A teacher that labels rows when the training reaches them (a KServe service, or any Teacher). */
export interface OnlineTeacher {
  /** The rows to distil on, texts only. */
  rows: readonly TextRow[];
  /** Teacher logits (rows.length x labels) of the given rows, in the student's label order. */
  label(rows: readonly TextRow[]): Promise<Float32Array>;
  /** Batches per segment (default 32): one request group in flight while the previous one trains. */
  segmentBatches?: number;
}

/**
 * Runs one epoch of `order` segment by segment. Rows at index >= firstOnlineRow are labeled by `teacher`
 * on demand (`onlineRows[i - firstOnlineRow]`); each segment trains as a compact set of its own rows.
 */
export async function trainOnlineEpoch(
  model: NativeStudentModel,
  data: TrainingSet,
  numLabels: number,
  firstOnlineRow: number,
  teacher: OnlineTeacher,
  options: EpochOptions,
): Promise<EpochResult & { teacherWaitSeconds: number }> {
  const segmentRows = (teacher.segmentBatches ?? 32) * options.batchSize;
  const segments: Int32Array[] = [];
  for (let start = 0; start < options.order.length; start += segmentRows)
    segments.push(options.order.subarray(start, start + segmentRows));
  const fetch = (segment: Int32Array) => {
    const online = [...new Set(Array.from(segment).filter((r) => r >= firstOnlineRow))];
    return teacher.label(online.map((r) => teacher.rows[r - firstOnlineRow]!)).then((logits) => ({ online, logits }));
  };

  const total: EpochResult & { teacherWaitSeconds: number } = {
    loss: 0,
    tokens: 0,
    steps: 0,
    seconds: 0,
    finite: true,
    teacherWaitSeconds: 0,
  };
  let next = segments.length > 0 ? fetch(segments[0]!) : null;
  for (let s = 0; s < segments.length; s++) {
    const waitStarted = performance.now();
    const { online, logits } = await next!;
    total.teacherWaitSeconds += (performance.now() - waitStarted) / 1000;
    // Prefetch: the teacher works on the next segment while this one trains.
    next = s + 1 < segments.length ? fetch(segments[s + 1]!) : null;
    next?.catch(() => undefined);
    const teacherOf = new Map<number, number>();
    online.forEach((row, i) => teacherOf.set(row, i));
    const { set, order } = compactSet(data, segments[s]!, numLabels, (row) => {
      const i = teacherOf.get(row);
      return i === undefined ? null : logits.subarray(i * numLabels, (i + 1) * numLabels);
    });
    const result = await model.trainEpoch(set, {
      ...options,
      order,
      stepOffset: options.stepOffset + Math.floor((s * segmentRows) / options.batchSize),
      seed: (options.seed * 1000 + s) >>> 0,
    });
    total.loss += result.loss * result.steps;
    total.tokens += result.tokens;
    total.steps += result.steps;
    total.seconds += result.seconds;
    if (!result.finite) {
      total.finite = false;
      break;
    }
  }
  total.loss = total.steps > 0 ? total.loss / total.steps : 0;
  return total;
}

/** The segment's distinct rows as a small TrainingSet, and the segment's order in its local indices. */
function compactSet(
  data: TrainingSet,
  segment: Int32Array,
  numLabels: number,
  teacherLogitsOf: (row: number) => Float32Array | null,
) {
  const local = new Map<number, number>();
  const rows: number[] = [];
  const order = new Int32Array(segment.length);
  segment.forEach((row, i) => {
    let l = local.get(row);
    if (l === undefined) {
      l = rows.length;
      local.set(row, l);
      rows.push(row);
    }
    order[i] = l;
  });
  const labels = new Int32Array(rows.length);
  const teacherLogits = new Float32Array(rows.length * numLabels).fill(NaN);
  rows.forEach((row, i) => {
    labels[i] = data.labels[row]!;
    const logits = teacherLogitsOf(row) ?? data.teacherLogits?.subarray(row * numLabels, (row + 1) * numLabels);
    if (logits) teacherLogits.set(logits, i * numLabels);
  });
  const a = pickRows(data.ids, data.offsets, rows);
  const set: TrainingSet = { ids: a.ids, offsets: a.offsets, labels, teacherLogits };
  if (data.idsB && data.offsetsB) {
    const b = pickRows(data.idsB, data.offsetsB, rows);
    set.idsB = b.ids;
    set.offsetsB = b.offsets;
  }
  return { set, order };
}

/** The given rows of a CSR set, as a CSR set of their own. */
function pickRows(ids: Int32Array, offsets: Int32Array, rows: number[]): { ids: Int32Array; offsets: Int32Array } {
  const out = new Int32Array(rows.length + 1);
  rows.forEach((row, i) => (out[i + 1] = out[i]! + offsets[row + 1]! - offsets[row]!));
  const picked = new Int32Array(out[rows.length]!);
  rows.forEach((row, i) => picked.set(ids.subarray(offsets[row]!, offsets[row + 1]!), out[i]!));
  return { ids: picked, offsets: out };
}
