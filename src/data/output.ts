// Writing to stdout (or any stream) with back-pressure, so streaming commands keep memory flat.
import type { Writable } from 'node:stream';

export class LineOutput {
  private buffered: string[] = [];
  private size = 0;

  constructor(private readonly stream: Writable = process.stdout) {}

  /** Queues one line; flushes in large writes (one write per line is slow on pipes). */
  async line(text: string): Promise<void> {
    this.buffered.push(text);
    this.size += text.length + 1;
    if (this.size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const chunk = this.buffered.join('\n') + '\n';
    this.buffered = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }
}
