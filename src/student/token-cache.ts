// train()'s token cache: one streaming pass reads the training and teacher-labeled TSVs, the native writer
// segments each batch of rows on worker threads (while the next batch is parsed) into a file of word-id blocks,
// and later epochs, and later runs with the same inputs and settings, read the file instead of the text.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { writeFileAtomic, writeFailure } from '../data/atomic-file.js';
import { LabelMap } from '../data/label-map.js';
import { forgetTemporary, registerTemporary } from '../data/temp-files.js';
import { readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { native } from '../native.js';
import type { NativeCorpusCache, NativeCorpusCacheWriter, NativeTextEncoder } from './native-api.js';
import { createNativeTextEncoder } from './native-text-encoder.js';
import { checkDistillRow } from './train-data.js';
import { pairWordsMany, rowWordsMany, type SegmentationSettings } from './segmentation.js';
import { PAD_ID, UNK_ID, Vocabulary, WordCounter } from './vocabulary.js';

/** Bumped whenever the file layout or the meaning of its ids changes: older caches are then rebuilt. */
const CACHE_FORMAT = 1;
/** Rows handed to the native writer at a time. */
const BATCH_ROWS = 4096;

export interface TokenCacheRequest {
  train: string;
  distill: readonly string[];
  segmentation: SegmentationSettings;
  towers: boolean;
  skipBadLines: boolean;
  threads: number;
  /** Where the cache lives; null: next to `out` (or in the OS temporary folder without one). */
  cacheDir: string | null;
  out: string | null;
  /** Keep the cache for later runs (otherwise a cache this run wrote is removed when it ends). */
  keep: boolean;
  /** Rows per block of the file. */
  blockRows: number;
}

/** What the pass learned besides the rows: the file stores it next to the blocks, as JSON. */
export interface TokenCacheMeta {
  format: number;
  /** Labels by provisional id (first appearance); the training labels come first. */
  labels: string[];
  /** The training set's own labels (teacher-labeled rows must use these). */
  trainLabels: string[];
  /** Words by provisional id and how often each was seen (labeled and teacher-labeled text). */
  words: string[];
  counts: number[];
  trainRows: number;
  distillRows: number;
  skippedLines: number;
  firstSkipped: string | null;
}

export interface TokenCache {
  cache: NativeCorpusCache;
  meta: TokenCacheMeta;
  /** The cache's file (for tests and notes). */
  file: string;
  /** True when an earlier run's cache was used. */
  reused: boolean;
  /** Removes the cache unless it is kept. */
  release(): Promise<void>;
}

interface CacheAddon {
  StudentCorpusCacheWriter: new (options: {
    path: string;
    towers: boolean;
    encoder: NativeTextEncoder | null;
    threads: number;
    blockRows: number;
  }) => NativeCorpusCacheWriter;
  StudentCorpusCache: new (file: string) => NativeCorpusCache;
}

function addon(): CacheAddon {
  const a = native() as Partial<CacheAddon>;
  if (typeof a.StudentCorpusCacheWriter !== 'function' || typeof a.StudentCorpusCache !== 'function')
    throw new Error('this build of the native addon has no token cache (rebuild with `npm run build:native`)');
  return a as CacheAddon;
}

/**
 * An input file's identity without reading it all: its size, modification time and 64 KiB sampled at its start,
 * middle and end (a changed file almost always changes one of them).
 */
function fileFingerprint(file: string): object {
  const stat = fs.statSync(file);
  const hash = createHash('sha256');
  const sample = Buffer.alloc(Math.min(65536, stat.size));
  const fd = fs.openSync(file, 'r');
  try {
    for (const at of [0, Math.floor(stat.size / 2), stat.size - sample.length]) {
      const n = fs.readSync(fd, sample, 0, sample.length, Math.max(0, at));
      hash.update(sample.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { path: path.resolve(file), size: stat.size, mtimeMs: stat.mtimeMs, sampled: hash.digest('hex') };
}

/** The cache's name: a digest of everything its contents depend on. */
export function tokenCacheKey(request: TokenCacheRequest): string {
  let files: object[];
  try {
    files = [request.train, ...request.distill].map(fileFingerprint);
  } catch {
    return ''; // an unreadable input: the pass reports it, and nothing is reused
  }
  const key = {
    format: CACHE_FORMAT,
    files,
    segmentation: request.segmentation,
    towers: request.towers,
    skipBadLines: request.skipBadLines,
    blockRows: request.blockRows,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 24);
}

/** The folder a request's cache goes in. */
function cacheFolder(request: TokenCacheRequest): string {
  if (request.cacheDir !== null) return request.cacheDir;
  return request.out !== null ? path.dirname(path.resolve(request.out)) : os.tmpdir();
}

function readMeta(file: string): TokenCacheMeta | null {
  try {
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as TokenCacheMeta;
    return meta.format === CACHE_FORMAT ? meta : null;
  } catch {
    return null;
  }
}

/** Opens the cache of an earlier run with the same key, or makes it with one pass over the files. */
export async function tokenCache(request: TokenCacheRequest): Promise<TokenCache> {
  const folder = cacheFolder(request);
  const key = tokenCacheKey(request);
  const base = path.join(folder, `ernie-slim-tokens-${key}`);
  const file = `${base}.bin`;
  const metaFile = `${base}.json`;
  if (key !== '') {
    const meta = fs.existsSync(file) ? readMeta(metaFile) : null;
    if (meta) {
      try {
        const cache = new (addon().StudentCorpusCache)(file);
        return { cache, meta, file, reused: true, release: async () => {} };
      } catch {
        // A damaged cache is made again.
      }
    }
  }
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw writeFailure(folder, err);
  }
  const temporary = `${base}.${process.pid}.tmp`;
  registerTemporary(temporary);
  let meta: TokenCacheMeta;
  try {
    meta = await writeTokenCache(temporary, request);
    fs.renameSync(temporary, file);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err;
  } finally {
    forgetTemporary(temporary);
  }
  // Without --keep-cache the files go when the process does, however it ends.
  if (!request.keep) registerTemporary(file);
  if (key !== '') await writeFileAtomic(metaFile, JSON.stringify(meta));
  if (!request.keep) registerTemporary(metaFile);
  const cache = new (addon().StudentCorpusCache)(file);
  const release = async (): Promise<void> => {
    if (request.keep) return;
    for (const f of [file, metaFile]) {
      await fs.promises.rm(f, { force: true });
      forgetTemporary(f);
    }
  };
  return { cache, meta, file, reused: false, release };
}

/** One batch of rows on its way to the writer. */
interface PendingBatch {
  rows: LabeledRow[];
  kind: 0 | 1;
}

/** The pass: rows read and checked as train() always has, batches segmented natively one while the next is read. */
async function writeTokenCache(file: string, request: TokenCacheRequest): Promise<TokenCacheMeta> {
  const { segmentation, towers } = request;
  const encoder = createNativeTextEncoder(['[PAD]', '[UNK]'], segmentation);
  const writer = new (addon().StudentCorpusCacheWriter)({
    path: file,
    towers,
    encoder,
    threads: request.threads,
    blockRows: request.blockRows,
  });
  const labelIds = new Map<string, number>();
  const labels: string[] = [];
  let numLabels = 0; // logits per teacher-labeled row: the training labels, known once train is read
  const labelId = (label: string): number => {
    let id = labelIds.get(label);
    if (id === undefined) {
      id = labels.length;
      labelIds.set(label, id);
      labels.push(label);
    }
    return id;
  };

  const withWords = async (batch: PendingBatch, rows: LabeledRow[]): Promise<void> => {
    const lengthsA = new Int32Array(rows.length);
    const lengthsB = towers ? new Int32Array(rows.length) : undefined;
    const wordsA: string[] = [];
    const wordsB: string[] = [];
    const all = towers
      ? await pairWordsMany(rows, segmentation)
      : (await rowWordsMany(rows, segmentation)).map((a) => [a] as [string[]]);
    all.forEach((words, r) => {
      lengthsA[r] = words[0].length;
      for (const w of words[0]) wordsA.push(w);
      if (lengthsB) {
        const b = (words as [string[], string[]])[1];
        lengthsB[r] = b.length;
        for (const w of b) wordsB.push(w);
      }
    });
    const { labels: ids, logits } = rowTargets(batch.kind, rows);
    writer.appendWords(wordsA, lengthsA, towers ? wordsB : undefined, lengthsB, batch.kind, ids, logits, numLabels);
  };
  const rowTargets = (kind: 0 | 1, rows: LabeledRow[]): { labels: Int32Array; logits: Float32Array | null } => {
    const ids = Int32Array.from(rows, (r) => labelId(r.label));
    let logits: Float32Array | null = null;
    if (kind === 1 && rows.some((r) => r.logits)) {
      logits = new Float32Array(rows.length * numLabels).fill(NaN);
      rows.forEach((r, i) => r.logits && logits!.set(r.logits, i * numLabels));
    }
    return { labels: ids, logits };
  };
  const send = async (batch: PendingBatch): Promise<void> => {
    if (!encoder) return withWords(batch, batch.rows);
    const { labels: ids, logits } = rowTargets(batch.kind, batch.rows);
    const hasB = batch.rows[0]!.textB !== undefined;
    const left = await writer.appendTexts(
      batch.rows.map((r) => r.textA),
      hasB ? batch.rows.map((r) => r.textB!) : undefined,
      batch.kind,
      ids,
      logits,
      numLabels,
    );
    const rest = batch.rows.filter((_, r) => left[r] === 1);
    if (rest.length > 0) await withWords(batch, rest);
  };
  // One batch in the writer while the next is read.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (batch: PendingBatch): Promise<void> => {
    await inFlight;
    inFlight = send(batch);
    inFlight.catch(() => undefined); // awaited below; never left unhandled meanwhile
  };

  const policy = new BadLinePolicy(request.skipBadLines);
  const stream = async (source: string, kind: 0 | 1, check: (row: LabeledRow) => void): Promise<number> => {
    let count = 0;
    let batch: LabeledRow[] = [];
    for await (const row of readLabeledTsv(source, { policy })) {
      check(row);
      batch.push(row);
      count++;
      if (batch.length === BATCH_ROWS) {
        await flush({ rows: batch, kind });
        batch = [];
      }
    }
    if (batch.length > 0) await flush({ rows: batch, kind });
    await inFlight;
    return count;
  };

  try {
    const trainRows = await stream(request.train, 0, () => {});
    if (trainRows === 0) throw new InputError('the training set is empty', request.train);
    const labelMap = LabelMap.fromLabels(labels);
    if (labelMap.size < 2)
      throw new InputError(
        `the training set has only one label (${labelMap.labels[0]}); a classifier needs two or more`,
        request.train,
      );
    const trainLabels = [...labels];
    numLabels = labelMap.size;
    let distillRows = 0;
    for (const source of request.distill) {
      const rows = await stream(source, 1, (row) => checkDistillRowForTowers(row, labelMap, source, towers));
      if (rows === 0) throw new InputError('the distillation set is empty', source);
      distillRows += rows;
    }
    const { words, counts } = await writer.finish();
    const meta: TokenCacheMeta = {
      format: CACHE_FORMAT,
      labels,
      trainLabels,
      words,
      counts: Array.from(counts),
      trainRows,
      distillRows,
      skippedLines: policy.skipped,
      firstSkipped: policy.firstSkipped?.message ?? null,
    };
    return meta;
  } catch (err) {
    await inFlight.catch(() => undefined);
    await writer.finish().catch(() => undefined);
    throw err;
  }
}

/** Teacher-labeled rows use the training labels, carry one logit per label, and (two towers) have text_b. */
function checkDistillRowForTowers(row: LabeledRow, labelMap: LabelMap, file: string, towers: boolean): void {
  checkDistillRow(row, labelMap, file);
  if (towers && row.textB === undefined)
    throw new InputError('the training set has text pairs (text_b) but this row has no text_b', file, row.line);
}

/** The vocabulary of the cache's words (Vocabulary.build's rule) and the tables from provisional to final ids. */
export function cacheVocabulary(
  meta: TokenCacheMeta,
  labelMap: LabelMap,
  limits: { minCount: number; maxVocab: number },
): { vocabulary: Vocabulary; words: Int32Array; labels: Int32Array } {
  const counter = new WordCounter();
  meta.words.forEach((word, i) => counter.counts.set(word, meta.counts[i]!));
  const vocabulary = Vocabulary.build(counter, limits);
  // A literal [PAD] in the text reads as [UNK]: id 0 is never a word.
  const words = Int32Array.from(meta.words, (word) => {
    const id = vocabulary.idOf(word);
    return id === PAD_ID ? UNK_ID : id;
  });
  const labels = Int32Array.from(meta.labels, (label) => labelMap.idOf(label));
  return { vocabulary, words, labels };
}
