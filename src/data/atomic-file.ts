// Output files appear complete or not at all: written to a temporary file in the same directory, then renamed.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

function temporaryPathFor(target: string): string {
  // Same directory, so the final rename never crosses file systems.
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

// Temporary files not yet renamed or removed: an interrupted command (Ctrl-C) removes them on its way out.
const unfinished = new Set<string>();

/** Counts `file` among the temporary files an interrupted command removes, until `finished(file)`. */
export function unfinishedFile(file: string): void {
  unfinished.add(file);
}

export function finishedFile(file: string): void {
  unfinished.delete(file);
}

/** Removes every temporary file still being written, synchronously (for a process about to exit). */
export function removeUnfinishedFiles(): void {
  for (const file of unfinished) fs.rmSync(file, { force: true });
  unfinished.clear();
}

function failure(target: string, err: unknown): InputError {
  return new InputError(`cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, target);
}

/** Writes `data` to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(target);
  unfinished.add(temporary);
  try {
    const handle = await fs.promises.open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, target);
  } catch (err) {
    await fs.promises.rm(temporary, { force: true });
    throw failure(target, err);
  } finally {
    unfinished.delete(temporary);
  }
}

/** A streaming output file that becomes visible under its name only on `commit()`. */
export class AtomicFileWriter {
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly temporary: string,
    private readonly stream: fs.WriteStream,
  ) {}

  static async open(target: string): Promise<AtomicFileWriter> {
    const temporary = temporaryPathFor(target);
    const stream = fs.createWriteStream(temporary, { flags: 'wx' });
    unfinished.add(temporary);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(failure(target, err)));
    });
    return new AtomicFileWriter(target, temporary, stream);
  }

  /** Resolves once the stream can take more (back-pressure). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(failure(this.target, err));
        this.stream.once('error', onError);
        this.stream.once('drain', () => {
          this.stream.off('error', onError);
          resolve();
        });
      });
    }
  }

  async commit(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await fs.promises.rename(this.temporary, this.target);
    } catch (err) {
      await fs.promises.rm(this.temporary, { force: true });
      throw failure(this.target, err);
    } finally {
      unfinished.delete(this.temporary);
    }
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    await fs.promises.rm(this.temporary, { force: true });
    unfinished.delete(this.temporary);
  }
}
