// `serve --triton-repo`: the Triton model repository written for an ONNX teacher, and the input it refuses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTeacher } from '../dist/index.js';
import { cli, tempDir } from './student-fixtures.js';
import { tinyTeacher } from './teacher-fixtures.js';

let dir;
let bert;
let vocab;
before(() => {
  dir = tempDir('ernie-slim-triton-');
  // A BERT-style teacher (attention_mask input) with int32 ids, three named labels.
  const architecture = { layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 64, typeVocabSize: 2 };
  bert = path.join(dir, 'bert.onnx');
  fs.writeFileSync(
    bert,
    makeTeacher(
      { vocabSize: 40, padId: 0, labels: 3, style: 'bert', idType: 'int32', seed: 3, ...architecture },
      { labels: ['negative', 'neutral', 'positive'] },
    ),
  );
  vocab = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...'abcdefghij'].join('\n') + '\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const listing = (root) =>
  fs
    .readdirSync(root, { recursive: true })
    .map((f) => f.split(path.sep).join('/'))
    .sort();

test('the repository of a known graph: config.pbtxt to the letter, the model, its vocabulary and label names', () => {
  const repo = path.join(dir, 'repo');
  const run = cli([
    'serve',
    '--teacher',
    bert,
    '--vocab',
    vocab,
    '--triton-repo',
    repo,
    '--model-name',
    'ernie',
    '--max-batch',
    '32',
    '--max-queue-delay-ms',
    '0.5',
    '--instances',
    '2',
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(listing(repo), [
    'ernie',
    'ernie/1',
    'ernie/1/model.onnx',
    'ernie/config.pbtxt',
    'ernie/labels.txt',
    'ernie/vocab.txt',
  ]);
  assert.equal(
    fs.readFileSync(path.join(repo, 'ernie', 'config.pbtxt'), 'utf8'),
    `# written by ernie-slim serve --triton-repo from bert.onnx
name: "ernie"
backend: "onnxruntime"
max_batch_size: 32
input [
  {
    name: "input_ids"
    data_type: TYPE_INT32
    dims: [ -1 ]
  },
  {
    name: "token_type_ids"
    data_type: TYPE_INT32
    dims: [ -1 ]
  },
  {
    name: "attention_mask"
    data_type: TYPE_INT32
    dims: [ -1 ]
  }
]
output [
  {
    name: "logits"
    data_type: TYPE_FP32
    dims: [ 3 ]
    label_filename: "labels.txt"
  }
]
dynamic_batching {
  preferred_batch_size: [ 8, 16, 32 ]
  max_queue_delay_microseconds: 500
}
instance_group [
  {
    count: 2
    kind: KIND_AUTO
  }
]
`,
  );
  assert.deepEqual(fs.readFileSync(path.join(repo, 'ernie', '1', 'model.onnx')), fs.readFileSync(bert));
  assert.equal(fs.readFileSync(path.join(repo, 'ernie', 'vocab.txt'), 'utf8'), fs.readFileSync(vocab, 'utf8'));
  assert.equal(fs.readFileSync(path.join(repo, 'ernie', 'labels.txt'), 'utf8'), 'negative\nneutral\npositive\n');
  // The summary says how to label against the fleet, with every flag the client needs.
  const model = path.join(repo, 'ernie');
  assert.equal(
    run.stdout,
    `wrote ${model} for Triton (tritonserver --model-repository ${repo}); label with\n` +
      `  ernie-slim label --teacher http://HOST:8000/v2/models/ernie --vocab ${model}/vocab.txt` +
      ` --teacher-labels ${model}/labels.txt\n`,
  );
});

test('an ERNIE teacher without a vocabulary: int64 inputs, no attention_mask, and the summary asks for --vocab', () => {
  const teacher = path.join(dir, 'ernie.onnx');
  fs.writeFileSync(teacher, tinyTeacher(30));
  const repo = path.join(dir, 'repo-ernie');
  const run = cli(['serve', '--teacher', teacher, '--triton-repo', repo, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const config = fs.readFileSync(path.join(repo, 'teacher', 'config.pbtxt'), 'utf8');
  assert.match(
    config,
    /input \[\n {2}\{\n {4}name: "input_ids"\n {4}data_type: TYPE_INT64\n {4}dims: \[ -1 \]\n {2}\},/,
  );
  assert.doesNotMatch(config, /attention_mask|label_filename/);
  assert.match(config, /max_batch_size: 64\n/);
  assert.match(config, /preferred_batch_size: \[ 16, 32, 64 \]\n {2}max_queue_delay_microseconds: 2000\n/);
  assert.deepEqual(listing(repo), ['teacher', 'teacher/1', 'teacher/1/model.onnx', 'teacher/config.pbtxt']);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1));
  assert.equal(result.vocab, null);
  assert.match(run.stderr, /the teacher carries no vocabulary: give label --vocab its vocab\.txt/);
});

test('bad input: one line, the exit code, nothing written', () => {
  const repo = path.join(dir, 'bad');
  const notOnnx = path.join(dir, 'not-onnx.onnx');
  fs.writeFileSync(notOnnx, 'label\ttext\n1\thello\n');
  const occupied = path.join(dir, 'occupied');
  fs.mkdirSync(path.join(occupied, 'teacher'), { recursive: true });
  fs.writeFileSync(path.join(occupied, 'teacher', 'notes.txt'), 'mine\n');
  const missing = path.join(dir, 'missing.onnx');
  const cases = [
    [['--teacher', notOnnx], `${notOnnx}: not an ONNX model (the file does not parse as a ModelProto)`, 1, repo],
    [['--teacher', missing], `${missing}: cannot read the teacher: no such file or directory (ENOENT)`, 1, repo],
    [
      ['--teacher', bert, '--model-name', '../up'],
      `--model-name "../up": use letters, digits, '_', '-' and '.' (it names a folder and a URL path)`,
      2,
      repo,
    ],
    [
      ['--teacher', bert],
      `${path.join(occupied, 'teacher')}: already exists and is not empty (--force replaces it)`,
      1,
      occupied,
    ],
    [
      ['--teacher', bert, '--vocab', path.join(dir, 'nope.txt')],
      `${path.join(dir, 'nope.txt')}: cannot read the vocabulary: no such file or directory (ENOENT)`,
      1,
      repo,
    ],
  ];
  for (const [args, message, status, target] of cases) {
    const run = cli(['serve', ...args, '--triton-repo', target]);
    assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr, `ernie-slim: ${message}\n`);
    assert.equal(run.stdout, '');
  }
  assert.ok(!fs.existsSync(repo), 'nothing written for refused input');
  assert.deepEqual(listing(occupied), ['teacher', 'teacher/notes.txt']);
  const withoutRepo = cli(['serve', '--teacher', bert, '--instances', '2']);
  assert.equal(withoutRepo.status, 2);
  assert.equal(withoutRepo.stderr, 'ernie-slim: --instances goes with --triton-repo\n');
});

test('--force replaces an existing model folder whole, and never one holding the teacher', () => {
  const repo = path.join(dir, 'forced');
  fs.mkdirSync(path.join(repo, 'teacher', '1'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'teacher', 'stale.txt'), 'old\n');
  const run = cli(['serve', '--teacher', bert, '--triton-repo', repo, '--force']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(listing(repo), [
    'teacher',
    'teacher/1',
    'teacher/1/model.onnx',
    'teacher/config.pbtxt',
    'teacher/labels.txt',
  ]);
  // The teacher inside the folder --force would remove: refused, the folder untouched.
  const inside = path.join(repo, 'teacher', '1', 'model.onnx');
  const again = cli(['serve', '--teacher', inside, '--triton-repo', repo, '--force']);
  assert.equal(again.status, 2);
  assert.equal(
    again.stderr,
    `ernie-slim: --triton-repo: ${path.join(repo, 'teacher')} holds ${inside} (--teacher); write the repository elsewhere\n`,
  );
  assert.deepEqual(fs.readFileSync(inside), fs.readFileSync(bert));
  assert.deepEqual(
    fs.readdirSync(repo).filter((f) => f.startsWith('.')),
    [],
    'no staging folder left behind',
  );
});

test('an exported student is refused: Triton cannot segment its text', async () => {
  const { exportOnnx, train } = await import('../dist/index.js');
  const data = path.join(dir, 'train.tsv');
  fs.writeFileSync(
    data,
    'label\ttext_a\n' + Array.from({ length: 40 }, (_, i) => `${i % 2}\t词${i % 2} 好${i}`).join('\n') + '\n',
  );
  const student = await train({ train: data, model: 'bow', epochs: 1, threads: 1, segmenter: 'char' });
  const file = path.join(dir, 'student.onnx');
  await exportOnnx(student.student.toData(), file);
  const run = cli(['serve', '--teacher', file, '--triton-repo', path.join(dir, 'student-repo')]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stderr,
    `ernie-slim: ${file}: an ernie-slim student segments its text before its graph runs, which Triton cannot do; serve it with \`ernie-slim serve\`\n`,
  );
  assert.ok(!fs.existsSync(path.join(dir, 'student-repo')));
});
