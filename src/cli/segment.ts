// `ernie-slim segment`: stdin lines to space-separated jieba words (`word/POS` with --pos), streaming.
import { defineCommand } from './command.js';
import { InputError } from '../errors.js';
import { readLines, sourceName } from '../data/line-reader.js';
import { arrivedBatches, stdinIsFile } from './arrived-batches.js';
import { LineOutput } from '../data/output.js';

export const segmentCommand = defineCommand({
  command: 'segment',
  describe: 'Segment stdin lines into words with jieba (space-separated; word/POS with --pos)',
  builder: (y) =>
    y
      .option('pos', { type: 'boolean', default: false, describe: 'append part-of-speech tags: word/POS' })
      .option('hmm', {
        type: 'boolean',
        default: false,
        describe: "let jieba's HMM guess words missing from its dictionary",
      }),
  run: async (args) => {
    const { segmentWords, tagWords } = await import('../data/segmenter.js');
    const out = new LineOutput();
    // A pipe or a terminal gets each line's words as soon as the line is in; a file's go out in large writes.
    const eager = !stdinIsFile();
    let lines = 0;
    for await (const batch of arrivedBatches(readLines('-'), 4096)) {
      for (const raw of batch) {
        if (raw.text === null) throw new InputError('invalid UTF-8', sourceName('-'), raw.number);
        const text = raw.text;
        await out.line(
          args.pos
            ? tagWords(text, args.hmm)
                .map((t) => `${t.word}/${t.tag}`)
                .join(' ')
            : segmentWords(text, args.hmm).join(' '),
        );
        lines++;
      }
      if (eager) await out.flush();
    }
    await out.flush();
    return { lines };
  },
});
