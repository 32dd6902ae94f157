// A worker thread's side of the augmenting stage (jieba is not needed here: records arrive already cut).
import { parentPort, workerData } from 'node:worker_threads';
import { BatchWorker, type BatchContext, type BatchJob } from './batch-jobs.js';

const worker = new BatchWorker(workerData as BatchContext);

parentPort!.on('message', ({ id, job }: { id: number; job: BatchJob }) => {
  try {
    parentPort!.postMessage({ id, result: worker.run(job) });
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
