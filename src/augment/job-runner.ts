// Runs batch jobs in worker threads (or in-process for one thread); `run` results come back per job, `broadcast`
// reaches every thread (to collect and hand out the POS table).
import { Worker } from 'node:worker_threads';
import { BatchWorker, type BatchContext, type BatchJob, type BatchResult } from './batch-jobs.js';

export interface JobRunner {
  run(job: BatchJob): Promise<BatchResult>;
  broadcast(job: BatchJob): Promise<BatchResult[]>;
  close(): Promise<void>;
}

export class InProcessRunner implements JobRunner {
  private readonly worker: BatchWorker;

  constructor(context: BatchContext) {
    this.worker = new BatchWorker(context);
  }

  async run(job: BatchJob): Promise<BatchResult> {
    return this.worker.run(job);
  }

  async broadcast(job: BatchJob): Promise<BatchResult[]> {
    return [this.worker.run(job)];
  }

  async close(): Promise<void> {}
}

interface Pending {
  resolve: (result: BatchResult) => void;
  reject: (err: Error) => void;
}

class PoolThread {
  readonly pending = new Map<number, Pending>();
  failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: { id: number; result?: BatchResult; error?: string }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result!);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const pending of this.pending.values()) pending.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`an augment worker thread stopped (exit code ${code})`)));
  }
}

export class WorkerPool implements JobRunner {
  private readonly threads: PoolThread[];
  private nextId = 0;

  constructor(count: number, context: BatchContext) {
    const script = new URL('./augment-worker.js', import.meta.url);
    this.threads = Array.from({ length: count }, () => new PoolThread(new Worker(script, { workerData: context })));
  }

  private send(thread: PoolThread, job: BatchJob): Promise<BatchResult> {
    if (thread.failure) return Promise.reject(thread.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, job });
    });
  }

  /** On the thread with the fewest jobs waiting. */
  run(job: BatchJob): Promise<BatchResult> {
    let best = this.threads[0]!;
    for (const thread of this.threads) if (thread.pending.size < best.pending.size) best = thread;
    return this.send(best, job);
  }

  broadcast(job: BatchJob): Promise<BatchResult[]> {
    return Promise.all(this.threads.map((thread) => this.send(thread, job)));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.threads.map((thread) => {
        thread.worker.removeAllListeners('exit');
        thread.worker.removeAllListeners('error');
        // An 'error' after close must not crash the process.
        thread.worker.on('error', () => {});
        return thread.worker.terminate();
      }),
    );
  }
}
