import { defineCommand } from './command.js';
import { COUNT_RANGE, MAX_LEN_RANGE, THREADS_RANGE } from '../util/number-range.js';

export const benchCommand = defineCommand({
  command: 'bench',
  describe: 'The speed table: tokenizer lines/s, student predict latency and throughput, teacher sentences/s, speed-up',
  builder: (y) =>
    y
      .option('teacher', {
        type: 'string',
        describe: 'teacher to time (default: an ERNIE-base-size graph with random weights)',
      })
      .option('vocab', {
        type: 'string',
        describe: "the teacher's vocabulary (default: one made from the texts, 21,128 tokens)",
      })
      .option('student', {
        type: 'string',
        describe: 'student to time (default: a bow trained here on generated reviews)',
      })
      .option('data', { type: 'string', describe: 'texts to time on (default: generated reviews)' })
      .option('sentences', { type: 'number', default: 2000 })
      .option('teacher-sentences', { type: 'number', default: 128 })
      .option('max-len', { type: 'number', default: 128 })
      .option('threads', { type: 'number' }),
  numbers: {
    sentences: COUNT_RANGE,
    'teacher-sentences': COUNT_RANGE,
    'max-len': MAX_LEN_RANGE,
    threads: THREADS_RANGE,
  },
  run: async (args) => {
    const { speedTable } = await import('../distill/speed-table.js');
    const say = (line: string) => process.stderr.write(line + '\n');
    const t = await speedTable({
      teacher: args.teacher,
      vocab: args.vocab,
      student: args.student,
      data: args.data,
      sentences: args.sentences,
      teacherSentences: args.teacherSentences,
      maxLength: args.maxLen,
      threads: args.threads,
      onStep: say,
    });
    const rows = [
      ['machine', `${t.cores} cores, ${t.cpu}`],
      ['tokenizer (encodeBatch)', `${t.tokenizer.linesPerSecond.toFixed(0)} lines/s`],
      [
        'student predict(text), p50 / p99',
        `${t.student.predictP50Microseconds.toFixed(1)} / ${t.student.predictP99Microseconds.toFixed(1)} µs (segmentation included)`,
      ],
      ['student predictBatch', `${t.student.predictBatchPerSecond.toFixed(0)} sentences/s`],
      [
        `teacher, max-len ${t.teacher.maxLength}, batches of 64`,
        `${t.teacher.sentencesPerSecond.toFixed(1)} sentences/s (${(t.teacher.microsecondsPerSentence / 1000).toFixed(1)} ms each)`,
      ],
      ['speed-up (teacher per sentence / student p50)', `${t.speedup.toFixed(0)}x`],
    ];
    if (!args.json) for (const [k, v] of rows) process.stdout.write(`${k.padEnd(48)} ${v}\n`);
    return { ...t };
  },
});
