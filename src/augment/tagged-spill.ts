// The first pass's tagged records, kept on disk for the second pass: each input line is segmented and tagged once,
// memory stays flat (only the POS table grows), and stdin works too since the second pass reads this file.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { fsReason } from '../data/fs-errors.js';
import { forgetTemporary, registerTemporary } from '../data/temp-files.js';

export class TaggedSpill {
  private readonly stream: fs.WriteStream;
  private writeError: Error | null = null;

  private constructor(readonly path: string) {
    registerTemporary(path);
    this.stream = fs.createWriteStream(path, { flags: 'wx' });
    this.stream.on('error', (err) => (this.writeError ??= err));
  }

  /** A new hidden file in `dir`, removed by `remove()`. */
  static create(dir: string): TaggedSpill {
    return new TaggedSpill(
      path.join(dir, `.ernie-slim-augment.${process.pid}.${randomBytes(4).toString('hex')}.spill`),
    );
  }

  /** Appends records (whole '\n'-terminated lines). */
  async write(records: string): Promise<void> {
    if (this.writeError) throw this.failure(this.writeError);
    if (records === '') return;
    if (this.stream.write(records)) return;
    // A failed stream never drains: wait for whichever comes first.
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    if (this.writeError) throw this.failure(this.writeError);
  }

  /** Flushes and closes the file; the records can then be read back. */
  async finishWriting(): Promise<void> {
    if (this.writeError) throw this.failure(this.writeError);
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(this.failure(err)) : resolve())),
    );
    if (this.writeError) throw this.failure(this.writeError);
  }

  /** The records in the order written, as chunks of whole lines of about `chunkSize` characters. */
  async *chunks(chunkSize = 1 << 18): AsyncGenerator<string> {
    const reader = fs.createReadStream(this.path, { encoding: 'utf8', highWaterMark: chunkSize });
    let carry = '';
    for await (const chunk of reader as AsyncIterable<string>) {
      const data = carry + chunk;
      const end = data.lastIndexOf('\n') + 1;
      carry = data.slice(end);
      if (end > 0) yield data.slice(0, end);
    }
    if (carry !== '') yield carry;
  }

  async remove(): Promise<void> {
    this.stream.destroy();
    await fs.promises.rm(this.path, { force: true }).catch(() => undefined);
    forgetTemporary(this.path);
  }

  private failure(err: Error): InputError {
    return new InputError(`cannot write a temporary file: ${fsReason(err)}; see --temp-dir`, this.path);
  }
}
