// `ernie-slim tokenize`: stdin lines to the teacher's input ids, one line of ids per input line.
import fs from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { defineCommand } from './command.js';
import { THREADS_RANGE } from '../util/number-range.js';
import { InputError } from '../errors.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece-tokenizer.js';
import { stdinIsFile } from './arrived-batches.js';

// Lines go to the addon in blocks this large: big enough to amortize the hand-over, small enough to overlap
// reading the next block with tokenizing this one.
const BLOCK_BYTES = 1 << 20;

export interface TokenizeStreamOptions {
  pair: boolean;
  maxLength: number;
  threads?: number;
  /** Names the input in error messages. */
  inputName?: string;
  /** Tokenize each chunk's whole lines as soon as they arrive (a pipe or a terminal) instead of in large blocks. */
  eager?: boolean;
}

/** Tokenizes every line of input to output; resolves to the number of lines. */
export async function tokenizeStream(
  tokenizer: WordPieceTokenizer,
  input: Readable,
  output: Writable,
  options: TokenizeStreamOptions,
): Promise<number> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let linesDone = 0;
  let inflight: Promise<void> = Promise.resolve();

  const tokenizeBlock = async (block: Buffer): Promise<void> => {
    const result = await tokenizer.tokenizeLines(block, {
      pair: options.pair,
      maxLength: options.maxLength,
      threads: options.threads,
    });
    if (result.badLine)
      throw new InputError(result.problem, options.inputName ?? '<stdin>', linesDone + result.badLine);
    linesDone += result.lines;
    // Backpressure: wait for the consumer before the next block is handed over.
    if (!output.write(result.text)) await once(output, 'drain');
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    // Cut after the chunk's last newline once a block's worth has come in (eager: at once); a chunk without one waits (a long line).
    const newline = pendingBytes + chunk.length < BLOCK_BYTES && !options.eager ? -1 : chunk.lastIndexOf(10);
    if (newline < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      continue;
    }
    pending.push(chunk.subarray(0, newline + 1));
    const block = Buffer.concat(pending, pendingBytes + newline + 1);
    const rest = chunk.subarray(newline + 1);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    await inflight;
    inflight = tokenizeBlock(block);
    // A failed block is reported when awaited; keep it from counting as unhandled meanwhile.
    inflight.catch(() => {});
  }
  await inflight;
  if (pendingBytes) await tokenizeBlock(Buffer.concat(pending, pendingBytes));
  return linesDone;
}

interface TokenizeArgs {
  vocab: string;
  'max-len': number;
  lowercase: boolean;
  pair: boolean;
  threads?: number;
}

export const tokenizeCommand = defineCommand<TokenizeArgs>({
  command: 'tokenize',
  describe: "stdin lines (or text_a<TAB>text_b with --pair) to the teacher's input ids, [CLS] ... [SEP], no padding",
  builder: (y) =>
    y
      .option('vocab', {
        type: 'string',
        demandOption: true,
        describe: 'BERT vocab.txt or ERNIE `token<TAB>id` vocabulary',
      })
      .option('max-len', {
        type: 'number',
        default: 512,
        describe: 'longest row, special tokens included (longest-first truncation)',
      })
      .option('lowercase', {
        type: 'boolean',
        default: true,
        describe: 'lowercase and strip accents (--no-lowercase to keep case)',
      })
      .option('pair', { type: 'boolean', default: false, describe: 'lines are text_a<TAB>text_b' })
      .option('threads', { type: 'number', describe: 'tokenizer threads (default: one per hardware thread)' }) as never,
  numbers: { 'max-len': { integer: true, min: 3 }, threads: THREADS_RANGE },
  run: async (args) => {
    const started = process.hrtime.bigint();
    const tokenizer = WordPieceTokenizer.fromFile(args.vocab, { lowercase: args.lowercase });
    // A reader closing the pipe early (| head) ends the command quietly.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
    const input = fs.createReadStream('', { fd: 0, highWaterMark: BLOCK_BYTES, autoClose: false });
    const lines = await tokenizeStream(tokenizer, input, process.stdout, {
      pair: args.pair,
      maxLength: args['max-len'],
      threads: args.threads,
      eager: !stdinIsFile(),
    });
    return { lines, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  },
});
