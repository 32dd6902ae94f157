// The streaming driver: read rows, segment and tag each once, write `--times` new lines per row in input order.
// With the pos strategy, a first pass builds the POS table and spills the tagged rows; a second pass augments them.
// Batches of rows go to worker threads; results are written in submission order.
import path from 'node:path';
import { BadLinePolicy } from '../data/bad-lines.js';
import type { BatchContext, BatchJob, BatchResult } from './batch-jobs.js';
import { AugmentInput, augColumn, type InputLayout } from './input-rows.js';
import { InProcessRunner, WorkerPool, type JobRunner } from './job-runner.js';
import { LineSink } from './line-sink.js';
import { resolveAugmentOptions, type AugmentOptions } from './options.js';
import { OrderedJobs } from './ordered-jobs.js';
import { PosTable } from './pos-table.js';
import { emptyCounts, type StrategyCounts } from './row-augmenter.js';
import { TaggedSpill } from './tagged-spill.js';

export interface AugmentProgress {
  phase: 'tag' | 'augment';
  rows: number;
}

export interface AugmentRunOptions extends AugmentOptions {
  /** Called after each batch of rows. */
  onProgress?: (progress: AugmentProgress) => void;
}

export interface AugmentResult {
  input: string;
  output: string;
  /** Input rows augmented. */
  rows: number;
  /** Malformed rows skipped (with skipBadLines). */
  skipped: number;
  /** The first skipped row's error, `file:line: why`. */
  firstSkipped: string | null;
  /** New lines written (rows x times). */
  newLines: number;
  /** All lines written, the header included. */
  linesWritten: number;
  /** Lines per `aug` value. */
  byStrategy: StrategyCounts;
  /** Distinct (word, tag) pairs in the POS table (0 without the pos strategy). */
  posTableWords: number;
  seed: number;
  threads: number;
  seconds: number;
}

// Rows per job: large enough to amortize a message, small enough to keep every thread busy.
const rowsPerBatch = 256;

/** Collects rows into `line<TAB>input line` batches. */
class RowBatcher {
  private text = '';
  private count = 0;

  add(line: number, rowText: string): boolean {
    this.text += line + '\t' + rowText + '\n';
    return ++this.count >= rowsPerBatch;
  }

  take(): string | null {
    if (this.count === 0) return null;
    const text = this.text;
    this.text = '';
    this.count = 0;
    return text;
  }
}

/**
 * ERNIE Slim's data augmentation (SPEC.md `augment`): writes `output`, the input's columns plus `aug`
 * (`unk`, `pos`, `nsample`, `orig`); the lines made from input line i come together, in input order.
 */
export async function augment(runOptions: AugmentRunOptions): Promise<AugmentResult> {
  const started = performance.now();
  const options = resolveAugmentOptions(runOptions);
  const onProgress = runOptions.onProgress;
  const policy = new BadLinePolicy(options.skipBadLines);
  const input = new AugmentInput(options.input, policy);
  const usePos = options.weights.pos > 0;
  const context: BatchContext = {
    settings: {
      times: options.times,
      unk: options.unk,
      posReplace: options.posReplace,
      weights: options.weights,
      seed: options.seed,
      keepOriginal: options.keepOriginal,
      unkToken: options.unkToken,
    },
    analyze: { tag: usePos, hmm: options.hmm, unkToken: options.unkToken },
  };
  const sink = await LineSink.open(options.output);
  let runner: JobRunner | null = null;
  let spill: TaggedSpill | null = null;
  let headerWritten = false;
  let rows = 0;
  const byStrategy = emptyCounts();
  let posTableWords = 0;

  const writeHeader = async (layout: InputLayout) => {
    if (headerWritten) return;
    headerWritten = true;
    await sink.line([...layout.columns, augColumn].join('\t'));
  };
  const reportNoWords = (result: BatchResult) => {
    for (const line of result.noWords) policy.reject('text has no words', input.name, line);
  };
  const writeLines = async (result: BatchResult, phase: AugmentProgress['phase'], done: number) => {
    reportNoWords(result);
    await sink.chunk(result.text, result.lines);
    for (const key of Object.keys(byStrategy) as (keyof StrategyCounts)[]) byStrategy[key] += result.counts[key];
    onProgress?.({ phase, rows: done });
  };

  try {
    runner = options.threads > 1 ? new WorkerPool(options.threads, context) : new InProcessRunner(context);
    const inFlight = 2 * options.threads + 1;
    const batcher = new RowBatcher();
    if (!usePos) {
      const jobs = new OrderedJobs(runner, inFlight, async (result) => {
        rows += result.rows;
        await writeLines(result, 'augment', rows);
      });
      const submit = (batch: string) => jobs.submit({ kind: 'augment-rows', layout: input.layout, rows: batch });
      for await (const row of input.rows()) {
        await writeHeader(input.layout);
        if (batcher.add(row.line, row.text)) await submit(batcher.take()!);
      }
      const last = batcher.take();
      if (last !== null) await submit(last);
      await jobs.drain();
    } else {
      const tempDir = options.tempDir ?? (options.output === '-' ? process.cwd() : path.dirname(path.resolve(options.output)));
      const tagged = TaggedSpill.create(tempDir);
      spill = tagged;
      const tagJobs = new OrderedJobs(runner, inFlight, async (result) => {
        reportNoWords(result);
        await tagged.write(result.text);
        rows += result.rows;
        onProgress?.({ phase: 'tag', rows });
      });
      const submit = (batch: string) => tagJobs.submit({ kind: 'tag', layout: input.layout, rows: batch });
      for await (const row of input.rows()) if (batcher.add(row.line, row.text)) await submit(batcher.take()!);
      const last = batcher.take();
      if (last !== null) await submit(last);
      await tagJobs.drain();
      await tagged.finishWriting();

      const table = new PosTable();
      for (const share of await runner.broadcast({ kind: 'take-counts' })) table.merge(share.entries!);
      table.freeze();
      posTableWords = table.entryCount;
      await runner.broadcast({ kind: 'set-table', entries: table.entries() });

      await writeHeader(input.layout);
      let done = 0;
      const augmentJobs = new OrderedJobs(runner, inFlight, async (result) => {
        done += result.rows;
        await writeLines(result, 'augment', done);
      });
      for await (const records of tagged.chunks()) {
        const job: BatchJob = { kind: 'augment-tagged', layout: input.layout, records };
        await augmentJobs.submit(job);
      }
      await augmentJobs.drain();
    }
    // No usable rows: the output is the header alone.
    await writeHeader(input.layout);
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  } finally {
    await spill?.remove();
    await runner?.close();
  }
  return {
    input: options.input,
    output: options.output,
    rows,
    skipped: policy.skipped,
    firstSkipped: policy.firstSkipped?.message ?? null,
    newLines: byStrategy.unk + byStrategy.pos + byStrategy.nsample,
    linesWritten: sink.lines,
    byStrategy,
    posTableWords,
    seed: options.seed,
    threads: options.threads,
    seconds: (performance.now() - started) / 1000,
  };
}
