// jieba's dictionary for the native segmenter (native/segmenter): the dict.txt that @node-rs/jieba ships,
// read from the installed package (the bytes segmenter.ts hands to Jieba.withDict), loaded once a process.
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';
import { native } from '../native.js';

/** The native segmenter over one dictionary file (native/binding_segmenter.cc). */
export interface NativeJiebaDictionary {
  readonly wordCount: number;
  /** @node-rs/jieba's `cut(text, false)`: every token, whitespace included. */
  cut(text: string): string[];
  /** Where each token of `cut(text)` ends, in UTF-16 code units (no strings made). */
  cutBoundaries(text: string): Int32Array;
}

interface JiebaDictionaryClass {
  new (path: string): NativeJiebaDictionary;
  load(path: string): Promise<NativeJiebaDictionary>;
}

/** The dict.txt of the installed @node-rs/jieba. */
export function jiebaDictionaryPath(): string {
  return createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt');
}

function dictionaryClass(): JiebaDictionaryClass {
  const addon = native() as { JiebaDictionary?: JiebaDictionaryClass };
  if (typeof addon.JiebaDictionary !== 'function') {
    throw new Error('this build of the native addon has no JiebaDictionary (rebuild with `npm run build:native`)');
  }
  return addon.JiebaDictionary;
}

// The native message names the file (and line); as an InputError it is one line and exit code 1 in the CLI.
function asInputError(err: unknown): unknown {
  return err instanceof Error && !(err instanceof TypeError) ? new InputError(err.message) : err;
}

/** Reads a jieba dictionary (`word freq tag` lines); a missing or corrupt file is one InputError naming it. */
export function openJiebaDictionary(path: string): NativeJiebaDictionary {
  try {
    return new (dictionaryClass())(path);
  } catch (err) {
    throw asInputError(err);
  }
}

/** `openJiebaDictionary` on a worker thread. */
export async function loadJiebaDictionary(path: string): Promise<NativeJiebaDictionary> {
  try {
    return await dictionaryClass().load(path);
  } catch (err) {
    throw asInputError(err);
  }
}

let shared: NativeJiebaDictionary | undefined;
let sharedLoading: Promise<NativeJiebaDictionary> | undefined;

/** @node-rs/jieba's own dictionary, read on first use. */
export function jiebaDictionary(): NativeJiebaDictionary {
  shared ??= openJiebaDictionary(jiebaDictionaryPath());
  return shared;
}

/** `jiebaDictionary()` read on a worker thread, so that an async caller never blocks on it. */
export function jiebaDictionaryAsync(): Promise<NativeJiebaDictionary> {
  if (shared) return Promise.resolve(shared);
  sharedLoading ??= loadJiebaDictionary(jiebaDictionaryPath()).then(
    (dictionary) => (shared ??= dictionary),
    (err: unknown) => {
      sharedLoading = undefined;
      throw err;
    },
  );
  return sharedLoading;
}
