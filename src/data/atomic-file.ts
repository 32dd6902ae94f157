// Output files appear complete or not at all: written to a temporary file in the same directory, then renamed.
// The temporary file is removed on failure, and at exit if the process ends before either.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { fsReason } from './fs-errors.js';
import { forgetTemporary, registerTemporary } from './temp-files.js';

function temporaryPathFor(target: string): string {
  // Same directory, so the final rename never crosses file systems.
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** "TARGET: cannot write: no space left on device (ENOSPC)". */
export function writeFailure(target: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  return new InputError(`cannot write: ${fsReason(err)}`, target);
}

async function removeTemporary(temporary: string): Promise<void> {
  await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
  forgetTemporary(temporary);
}

/** Writes `data` (or its chunks, one after another) to `target` atomically. */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | readonly Uint8Array[],
): Promise<void> {
  const temporary = temporaryPathFor(target);
  registerTemporary(temporary);
  try {
    // Made before the first await, so that a process.exit from here on finds it to remove; the open that follows
    // cannot create it (no O_CREAT), so one still in flight when the exit handler removed it makes nothing again.
    fs.closeSync(fs.openSync(temporary, 'w'));
    const handle = await fs.promises.open(temporary, 'r+');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) {
        await handle.writeFile(data);
      } else {
        for (const chunk of data) {
          for (let at = 0; at < chunk.length;) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, target);
    forgetTemporary(temporary);
  } catch (err) {
    await removeTemporary(temporary);
    throw writeFailure(target, err);
  }
}

/** A streaming output file that becomes visible under its name only on `commit()`. */
export class AtomicFileWriter {
  private closed = false;
  /** The stream's first error: every later write or commit reports it instead of waiting for a 'drain' that never comes. */
  private error: Error | null = null;

  private constructor(
    readonly target: string,
    private readonly temporary: string,
    private readonly stream: fs.WriteStream,
  ) {
    stream.on('error', (err) => (this.error ??= err));
  }

  static async open(target: string): Promise<AtomicFileWriter> {
    const temporary = temporaryPathFor(target);
    registerTemporary(temporary);
    const stream = fs.createWriteStream(temporary, { flags: 'wx' });
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', reject);
      });
    } catch (err) {
      await removeTemporary(temporary);
      throw writeFailure(target, err);
    }
    return new AtomicFileWriter(target, temporary, stream);
  }

  /** Resolves once the stream can take more (back-pressure). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.error) throw writeFailure(this.target, this.error);
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        if (this.error) reject(writeFailure(this.target, this.error));
        else resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  async commit(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.error) throw this.error;
      await new Promise<void>((resolve, reject) => {
        this.stream.once('error', reject);
        this.stream.end(() => resolve());
      });
      if (this.error) throw this.error;
      await fs.promises.rename(this.temporary, this.target);
      forgetTemporary(this.temporary);
    } catch (err) {
      this.stream.destroy();
      await removeTemporary(this.temporary);
      throw writeFailure(this.target, err);
    }
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    await removeTemporary(this.temporary);
  }
}
