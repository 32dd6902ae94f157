// Keeps several batch jobs in flight and hands their results on in submission order (output order = input order).
import type { BatchJob, BatchResult } from './batch-jobs.js';
import type { JobRunner } from './job-runner.js';

export class OrderedJobs {
  private readonly inFlight: Promise<BatchResult>[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly maxInFlight: number,
    private readonly onResult: (result: BatchResult) => Promise<void>,
  ) {}

  async submit(job: BatchJob): Promise<void> {
    const result = this.runner.run(job);
    // Awaited later, in order; this keeps an early failure from being reported as unhandled meanwhile.
    result.catch(() => {});
    this.inFlight.push(result);
    if (this.inFlight.length >= this.maxInFlight) await this.takeOne();
  }

  private async takeOne(): Promise<void> {
    await this.onResult(await this.inFlight.shift()!);
  }

  /** Waits for every job submitted so far. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.takeOne();
  }
}
