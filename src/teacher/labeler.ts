// The labeling engine: rows stream in, are tokenized a window ahead, run in length buckets, and come out
// in input order. Memory holds two windows, whatever the input's length.
import type { TextRow } from '../data/tsv-reader.js';
import { bucketByLength, type BatchLimits } from './length-bucketer.js';
import type { Teacher, TeacherText } from './teacher.js';
import { mapLimited } from '../util/concurrency.js';

export interface LabelerOptions extends BatchLimits {
  /** Rows per window; buckets form within a window. Resume points fall on window boundaries. */
  window: number;
}

export interface LabeledWindow {
  rows: TextRow[];
  /** rows.length x labels, in row order. */
  logits: Float32Array;
  labels: number;
}

export const defaultWindow = (batchSize: number) => Math.max(4096, batchSize * 64);

/** Labels `rows` window by window; tokenizing the next window overlaps the current window's teacher runs. */
export async function* labelWindows(
  rows: AsyncIterable<TextRow>,
  teacher: Teacher,
  options: LabelerOptions,
): AsyncGenerator<LabeledWindow> {
  const iterator = rows[Symbol.asyncIterator]();
  const readWindow = async (): Promise<TextRow[]> => {
    const out: TextRow[] = [];
    while (out.length < options.window) {
      const next = await iterator.next();
      if (next.done) break;
      out.push(next.value);
    }
    return out;
  };
  const prepare = async (window: TextRow[]) => (window.length === 0 ? null : teacher.prepare(window.map(textOf)));

  let current = await readWindow();
  let prepared = prepare(current);
  for (;;) {
    const ready = await prepared;
    if (!ready) break;
    // Start reading and tokenizing the next window before running this one.
    const nextRows = readWindow();
    const nextPrepared = nextRows.then(prepare);
    nextPrepared.catch(() => undefined); // surfaced when awaited below

    const batches = bucketByLength(ready.lengths, options);
    const labels = teacher.labels;
    const logits = new Float32Array(current.length * labels);
    // Services take several batches at once; an in-process model runs one at a time on every core.
    await mapLimited(batches, teacher.concurrency, async (batch) => {
      const out = await teacher.runRows(ready, batch);
      for (let i = 0; i < batch.length; i++) logits.set(out.subarray(i * labels, (i + 1) * labels), batch[i]! * labels);
    });
    yield { rows: current, logits, labels };
    current = await nextRows;
    prepared = nextPrepared;
  }
}

function textOf(row: TextRow): TeacherText {
  return row.textB !== undefined ? [row.textA, row.textB] : row.textA;
}
