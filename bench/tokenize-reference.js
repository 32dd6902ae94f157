// The peer of `ernie-slim tokenize` for bench/tokenizer.js: the same job done with Hugging Face tokenizers
// (stdin lines to id lines), streamed in batches through its encodeBatch.
// Usage: node bench/tokenize-reference.js VOCAB [MAX_LEN] < lines > ids
import readline from 'node:readline';
import { once } from 'node:events';
import { referenceTokenizer } from '../test/tokenizer-reference.js';

const [vocab, maxLen = '512'] = process.argv.slice(2);
const tokenizer = await referenceTokenizer(vocab, { maxLength: Number(maxLen) });
const BATCH = 2048;
let batch = [];
const flush = async () => {
  const encodings = await tokenizer.encodeBatch(batch);
  batch = [];
  const text = encodings.map((e) => e.getIds().join(' ')).join('\n') + '\n';
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
};
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  batch.push(line);
  if (batch.length === BATCH) await flush();
}
if (batch.length) await flush();
