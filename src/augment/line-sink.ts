// Where augment's lines go: an atomic output file (or stdout), written in large chunks.
import type { Writable } from 'node:stream';
import { AtomicFileWriter } from '../data/atomic-file.js';

// One write per line is slow; a megabyte at a time keeps the writer out of the profile.
const flushAt = 1 << 20;

export class LineSink {
  private pending = '';
  lines = 0;

  private constructor(
    private readonly file: AtomicFileWriter | null,
    private readonly stream: Writable | null,
  ) {}

  /** `target` '-' is stdout (not atomic: a pipe cannot be renamed). */
  static async open(target: string): Promise<LineSink> {
    return target === '-'
      ? new LineSink(null, process.stdout)
      : new LineSink(await AtomicFileWriter.open(target), null);
  }

  async line(text: string): Promise<void> {
    this.pending += text + '\n';
    this.lines++;
    if (this.pending.length >= flushAt) await this.flush();
  }

  /** Whole lines, '\n'-terminated, `lines` of them. */
  async chunk(text: string, lines: number): Promise<void> {
    this.pending += text;
    this.lines += lines;
    if (this.pending.length >= flushAt) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending === '') return;
    const chunk = this.pending;
    this.pending = '';
    if (this.file) {
      await this.file.write(chunk);
    } else if (!this.stream!.write(chunk)) {
      await new Promise<void>((resolve) => this.stream!.once('drain', resolve));
    }
  }

  /** Everything written: the output file appears under its name. */
  async commit(): Promise<void> {
    await this.flush();
    await this.file?.commit();
  }

  /** Drops what was written to a file; the target is left as it was. */
  async abort(): Promise<void> {
    this.pending = '';
    await this.file?.abort();
  }
}
