// Streams a file (or stdin) as numbered lines, validating UTF-8 per line instead of decoding chunks blindly.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { fsReason } from './fs-errors.js';

/** One line of input: `text` is null when the bytes are not valid UTF-8. */
export interface RawLine {
  number: number;
  text: string | null;
}

/** The name errors use for a source: the path, or `<stdin>`. */
export function sourceName(source: string): string {
  return source === '-' ? '<stdin>' : source;
}

/** Throws the one-line error of a missing, unreadable or directory input, before anything is written. */
export function checkReadableFile(file: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  if (fs.statSync(file).isDirectory()) throw new InputError('is a directory, not a file', file);
}

function openSource(source: string): NodeJS.ReadableStream {
  if (source === '-') return process.stdin;
  checkReadableFile(source);
  return fs.createReadStream(source, { highWaterMark: 1 << 20 });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeLine(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Yields every line of `source` ('-' = stdin) without its `\n` or `\r\n`; a final line without `\n` counts too. */
export async function* readLines(source: string): AsyncGenerator<RawLine> {
  const stream = openSource(source);
  let carry: Buffer | null = null;
  let number = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      let start = 0;
      for (;;) {
        const end = data.indexOf(10, start);
        if (end < 0) break;
        const stop = end > start && data[end - 1] === 13 ? end - 1 : end;
        yield { number: ++number, text: decodeLine(data.subarray(start, stop)) };
        start = end + 1;
      }
      if (start < data.length) carry = Buffer.from(data.subarray(start));
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${fsReason(err)}`, sourceName(source));
  }
  if (carry && carry.length > 0) {
    const stop = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    yield { number: ++number, text: decodeLine(carry.subarray(0, stop)) };
  }
}
