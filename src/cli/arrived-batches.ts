// Batches of what a stream has already delivered: a fast source (a file, a busy pipe) gives full batches, an
// interactive one (a person typing, a process waiting for each answer) a batch per line, answered at once.
import fs from 'node:fs';

const WAITING = Symbol('waiting');

/** Groups `source`'s items into batches of at most `max`, closing a batch as soon as the next item is not yet there. */
export async function* arrivedBatches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const items = source[Symbol.asyncIterator]();
  const pull = () => {
    const next = items.next();
    // Awaited below; this keeps a failure from counting as unhandled while a batch is out.
    next.catch(() => {});
    return next;
  };
  let next = pull();
  for (;;) {
    const first = await next;
    if (first.done) return;
    const batch = [first.value];
    next = pull();
    // Items already read (the rest of a chunk) settle before this macrotask; the batch closes when it runs.
    const turn = new Promise<typeof WAITING>((resolve) => setImmediate(resolve, WAITING));
    while (batch.length < max) {
      const ready = await Promise.race([next, turn]);
      if (ready === WAITING || ready.done) break;
      batch.push(ready.value);
      next = pull();
    }
    yield batch;
  }
}

/** True when stdin is a regular file: its output can wait for large writes, nobody waits line by line. */
export function stdinIsFile(): boolean {
  try {
    return fs.fstatSync(0).isFile();
  } catch {
    return false;
  }
}
