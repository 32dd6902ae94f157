// A worker thread's side of the batch jobs: jieba loads here, so segmentation runs beside the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { segmentWords } from '../data/segmenter.js';
import { BatchWorker, type BatchContext, type BatchJob } from './batch-jobs.js';

const worker = new BatchWorker(workerData as BatchContext);
// Load the dictionary now, while the main thread reads the first batch.
segmentWords('预热');

parentPort!.on('message', ({ id, job }: { id: number; job: BatchJob }) => {
  try {
    parentPort!.postMessage({ id, result: worker.run(job) });
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
