// The streaming driver: read rows, segment and tag each once, write `--times` new lines per row in input order.
// Rows go in batches through two stages: analysis (jieba on libuv's thread pool) and augmentation (worker threads).
// With the pos strategy, a first pass analyzes every row, building the POS table and spilling the records to a
// temporary file; a second pass augments the spilled records. Results are written in submission order.
import path from 'node:path';
import { BadLinePolicy } from '../data/bad-lines.js';
import { checkReadableFile } from '../data/line-reader.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { BatchAnalyzer, type AnalyzedBatch } from './batch-analysis.js';
import type { BatchContext, BatchResult } from './batch-jobs.js';
import { AugmentInput, augColumn, type InputLayout, type InputRow } from './input-rows.js';
import { InProcessRunner, WorkerPool, type JobRunner } from './job-runner.js';
import { LineSink } from './line-sink.js';
import { resolveAugmentOptions, type AugmentOptions } from './options.js';
import { OrderedResults } from './ordered-results.js';
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

// Rows per batch: large enough to amortize a message, small enough to keep every thread busy.
const rowsPerBatch = 256;

/**
 * ERNIE Slim's data augmentation (the `augment` command): writes `output`, the input's columns plus `aug`
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
  // Checked before the output's temporary file exists.
  if (options.input !== '-') checkReadableFile(options.input);
  refuseOutputOverInput({ flag: '--output', file: options.output }, { '--input': options.input });
  const sink = await LineSink.open(options.output);
  const analyzer = new BatchAnalyzer(context.analyze);
  let runner: JobRunner | null = null;
  let spill: TaggedSpill | null = null;
  let headerWritten = false;
  let rows = 0;
  let augmented = 0;
  const byStrategy = emptyCounts();
  let posTableWords = 0;
  const inFlight = 2 * options.threads + 2;

  const writeHeader = async (layout: InputLayout) => {
    if (headerWritten) return;
    headerWritten = true;
    await sink.line([...layout.columns, augColumn].join('\t'));
  };
  const analyzed = (batch: AnalyzedBatch) => {
    for (const line of batch.noWords) policy.reject('text has no words', input.name, line);
    rows += batch.rows;
  };
  // Worker threads start with the first batch to augment, so a tiny input never waits for them.
  const augmentJobs = new OrderedResults<BatchResult>(inFlight, async (result) => {
    await sink.chunk(result.text, result.lines);
    for (const key of Object.keys(byStrategy) as (keyof StrategyCounts)[]) byStrategy[key] += result.counts[key];
    augmented += result.rows;
    onProgress?.({ phase: 'augment', rows: augmented });
  });
  const startedRunner = (): JobRunner =>
    (runner ??= options.threads > 1 ? new WorkerPool(options.threads, context) : new InProcessRunner(context));
  const augmentRecords = (records: string) =>
    augmentJobs.push(startedRunner().run({ kind: 'augment', layout: input.layout, records }));
  /** Reads every row, analyzing batches in order; `each` gets each analyzed batch in input order. */
  const analyzeAll = async (each: (batch: AnalyzedBatch) => Promise<void>) => {
    const analyses = new OrderedResults<AnalyzedBatch>(inFlight, async (batch) => {
      analyzed(batch);
      await each(batch);
    });
    let batch: InputRow[] = [];
    for await (const row of input.rows()) {
      batch.push(row);
      if (batch.length >= rowsPerBatch) {
        await analyses.push(analyzer.analyze(batch, input.layout));
        batch = [];
      }
    }
    if (batch.length > 0) await analyses.push(analyzer.analyze(batch, input.layout));
    await analyses.drain();
  };

  try {
    if (!usePos) {
      await analyzeAll(async (batch) => {
        await writeHeader(input.layout);
        if (batch.rows > 0) await augmentRecords(batch.records);
      });
      await augmentJobs.drain();
    } else {
      const tempDir =
        options.tempDir ?? (options.output === '-' ? process.cwd() : path.dirname(path.resolve(options.output)));
      const tagged = TaggedSpill.create(tempDir);
      spill = tagged;
      await analyzeAll(async (batch) => {
        await tagged.write(batch.records);
        onProgress?.({ phase: 'tag', rows });
      });
      await tagged.finishWriting();
      const table = analyzer.tagCounts!.toPosTable();
      table.freeze();
      posTableWords = table.entryCount;
      await writeHeader(input.layout);
      const entries = table.entries();
      let tableSent = false;
      for await (const records of tagged.chunks()) {
        if (!tableSent) {
          await startedRunner().broadcast({ kind: 'set-table', entries });
          tableSent = true;
        }
        await augmentRecords(records);
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
    await (runner as JobRunner | null)?.close();
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
