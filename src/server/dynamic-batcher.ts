// Dynamic batching: requests queue, and run together up to maxBatch rows or maxQueueDelayMs; a request
// larger than maxBatch is split across batches and its rows reassembled in order. Rows queued together are
// grouped by length, so each batch pads only to its own longest row.

export interface BatcherOptions {
  maxBatch: number;
  /** How long the first queued row may wait for company while the runner is idle. */
  maxQueueDelayMs: number;
  /** Rows taken from the queue at once (first come, first served) and sorted by length into batches. */
  window?: number;
  /** A row's length, for grouping; rows are not regrouped without it. */
  lengthOf?: (row: unknown) => number;
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
  enqueuedAt: number;
  resolve: (result: { values: Float32Array; width: number }) => void;
  reject: (err: Error) => void;
  failed: boolean;
}

/** One row of one request, as placed in a batch. */
interface Slot<R> {
  pending: Pending<R>;
  index: number;
}

export class DynamicBatcher<R> {
  private readonly queue: Pending<R>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  /** Batches run and rows run, for the service's statistics. */
  readonly stats = { batches: 0, rows: 0 };

  constructor(
    private readonly run: BatchRunner<R>,
    private readonly options: BatcherOptions,
  ) {}

  /** Resolves with this request's rows x width values, in its row order. */
  submit(rows: R[]): Promise<{ values: Float32Array; width: number }> {
    if (rows.length === 0) return Promise.resolve({ values: new Float32Array(0), width: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({
        rows,
        taken: 0,
        done: 0,
        values: null,
        enqueuedAt: performance.now(),
        resolve,
        reject,
        failed: false,
      });
      this.schedule();
    });
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
      void this.runWindow();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.options.maxQueueDelayMs - waited);
    }
  }

  /** Takes up to `window` queued rows, groups them by length into batches, and runs those in turn. */
  private async runWindow(): Promise<void> {
    this.running = true;
    const limit = Math.max(this.options.maxBatch, this.options.window ?? this.options.maxBatch);
    const slots: Slot<R>[] = [];
    for (const pending of this.queue) {
      while (slots.length < limit && pending.taken < pending.rows.length)
        slots.push({ pending, index: pending.taken++ });
      if (slots.length >= limit) break;
    }
    const lengthOf = this.options.lengthOf;
    if (lengthOf) {
      const lengths = slots.map((s) => lengthOf(s.pending.rows[s.index]));
      const order = slots.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
      const sorted = order.map((i) => slots[i]!);
      slots.splice(0, slots.length, ...sorted);
    }
    for (let start = 0; start < slots.length; start += this.options.maxBatch) {
      const chunk = slots.slice(start, start + this.options.maxBatch);
      // Rows of a request that already failed are not run again.
      for (const s of chunk) if (s.pending.failed) s.pending.done++;
      const batch = chunk.filter((s) => !s.pending.failed);
      if (batch.length > 0) await this.runBatch(batch);
    }
    // Drop finished requests.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i]!;
      if (p.done === p.rows.length) this.queue.splice(i, 1);
    }
    this.running = false;
    this.schedule();
  }

  private async runBatch(batch: Slot<R>[]): Promise<void> {
    try {
      const { values, width } = await this.run(batch.map((s) => s.pending.rows[s.index]!));
      this.deliver(batch, values, width);
    } catch (err) {
      // One bad request must not fail the others batched with it: rerun each request's rows on their own.
      const requests = [...new Set(batch.map((s) => s.pending))];
      if (requests.length === 1) return this.fail(requests[0]!, batch, err as Error);
      for (const pending of requests) {
        const own = batch.filter((s) => s.pending === pending);
        try {
          const { values, width } = await this.run(own.map((s) => pending.rows[s.index]!));
          this.deliver(own, values, width);
        } catch (ownErr) {
          this.fail(pending, own, ownErr as Error);
        }
      }
    }
  }

  private deliver(batch: Slot<R>[], values: Float32Array, width: number): void {
    this.stats.batches++;
    this.stats.rows += batch.length;
    batch.forEach(({ pending, index }, i) => {
      pending.values ??= new Float32Array(pending.rows.length * width);
      pending.values.set(values.subarray(i * width, (i + 1) * width), index * width);
      pending.done++;
      if (pending.done === pending.rows.length && !pending.failed) pending.resolve({ values: pending.values, width });
    });
  }

  private fail(pending: Pending<R>, batch: Slot<R>[], err: Error): void {
    if (!pending.failed) pending.reject(err);
    pending.failed = true;
    // Rows not yet taken are dropped; its rows later in this window are skipped by runWindow.
    pending.done += batch.length + (pending.rows.length - pending.taken);
    pending.taken = pending.rows.length;
  }
}
