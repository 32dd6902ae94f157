// Dynamic batching: requests queue, and run together up to maxBatch rows or maxQueueDelayMs; a request
// larger than maxBatch is split across batches and its rows reassembled in order.

export interface BatcherOptions {
  maxBatch: number;
  /** How long the first queued row may wait for company while the runner is idle. */
  maxQueueDelayMs: number;
}

/** Runs rows as one batch and returns rows x width values. */
export type BatchRunner<R> = (rows: R[]) => Promise<{ values: Float32Array; width: number }>;

interface Pending<R> {
  rows: R[];
  /** Rows of this request already taken into a batch. */
  taken: number;
  /** Rows whose results are in. */
  done: number;
  values: Float32Array | null;
  width: number;
  enqueuedAt: number;
  resolve: (result: { values: Float32Array; width: number }) => void;
  reject: (err: Error) => void;
  failed: boolean;
}

export class DynamicBatcher<R> {
  private readonly queue: Pending<R>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  /** Batches run and rows per batch, for the service's statistics. */
  readonly stats = { batches: 0, rows: 0 };

  constructor(
    private readonly run: BatchRunner<R>,
    private readonly options: BatcherOptions,
  ) {}

  /** Resolves with this request's rows x width values, in its row order. */
  submit(rows: R[]): Promise<{ values: Float32Array; width: number }> {
    if (rows.length === 0) return Promise.resolve({ values: new Float32Array(0), width: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, taken: 0, done: 0, values: null, width: 0, enqueuedAt: performance.now(), resolve, reject, failed: false });
      this.schedule();
    });
  }

  /** Requests still queued or running. */
  get pending(): number {
    return this.queue.length;
  }

  private queuedRows(): number {
    let n = 0;
    for (const p of this.queue) n += p.rows.length - p.taken;
    return n;
  }

  private schedule(): void {
    if (this.running) return;
    const waiting = this.queuedRows();
    if (waiting === 0) return;
    const oldest = this.queue.find((p) => p.taken < p.rows.length)!;
    const waited = performance.now() - oldest.enqueuedAt;
    if (waiting >= this.options.maxBatch || waited >= this.options.maxQueueDelayMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.runNext();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.options.maxQueueDelayMs - waited);
    }
  }

  private deliver(parts: { pending: Pending<R>; from: number; count: number }[], values: Float32Array, width: number): void {
    this.stats.batches++;
    let offset = 0;
    for (const { pending, from, count } of parts) {
      this.stats.rows += count;
      if (!pending.values) {
        pending.width = width;
        pending.values = new Float32Array(pending.rows.length * width);
      }
      pending.values.set(values.subarray(offset * width, (offset + count) * width), from * width);
      offset += count;
      pending.done += count;
      if (pending.done === pending.rows.length && !pending.failed) pending.resolve({ values: pending.values, width });
    }
  }

  private fail(pending: Pending<R>, err: Error): void {
    if (!pending.failed) pending.reject(err);
    pending.failed = true;
    pending.taken = pending.rows.length;
    pending.done = pending.rows.length;
  }

  private async runNext(): Promise<void> {
    this.running = true;
    // Take rows first-come first-served, splitting a request that does not fit.
    const parts: { pending: Pending<R>; from: number; count: number }[] = [];
    const rows: R[] = [];
    for (const pending of this.queue) {
      if (rows.length >= this.options.maxBatch) break;
      const available = pending.rows.length - pending.taken;
      if (available === 0) continue;
      const count = Math.min(available, this.options.maxBatch - rows.length);
      parts.push({ pending, from: pending.taken, count });
      for (let i = 0; i < count; i++) rows.push(pending.rows[pending.taken + i]!);
      pending.taken += count;
    }
    try {
      const { values, width } = await this.run(rows);
      this.deliver(parts, values, width);
    } catch (err) {
      // One bad request must not fail the others batched with it: rerun each part on its own.
      if (parts.length === 1) this.fail(parts[0]!.pending, err as Error);
      for (const part of parts.length > 1 ? parts : []) {
        try {
          const { values, width } = await this.run(part.pending.rows.slice(part.from, part.from + part.count));
          this.deliver([part], values, width);
        } catch (partErr) {
          this.fail(part.pending, partErr as Error);
        }
      }
    }
    // Drop finished requests from the head of the queue.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i]!;
      if (p.done === p.rows.length) this.queue.splice(i, 1);
    }
    this.running = false;
    this.schedule();
  }
}
