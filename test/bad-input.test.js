// Hostile input for every command and the service: each case asserts the exit code, one line of message without
// internals, that no output or temporary file is left behind, and that the inputs are untouched. A row marked `todo`
// (none now) runs as test.todo: a hostile case written down before its fix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTeacher, Student, TeacherService } from '../dist/index.js';
import { generateReviews, writeLabeledTsv } from './student-fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;
/** Fixture paths, made once. */
const f = {};
let caseNumber = 0;

// What a user must never see: stack frames, our compiled paths, library paths, JavaScript's own wording.
const INTERNALS =
  /\n\s+at |node_modules|node:internal|undefined|\/dist\/|\.ts:\d|\.js:\d|Cannot read properties|Cannot destructure|ERR_[A-Z_]+|\[object /;
// Files a failed run must not leave: temporaries of atomic writes, augment's spill, label's partial output.
const LEFTOVER = /\.tmp$|\.spill$|\.partial(\.json)?$/;

function run(args, { stdin, cwd, fileSizeLimitKb, timeout = 120_000 } = {}) {
  // A full disk without root: a file-size limit makes writes past it fail with EFBIG (SIGXFSZ ignored, as a shell
  // `trap '' XFSZ` leaves it for the child).
  const [command, argv] = fileSizeLimitKb
    ? ['bash', ['-c', `trap '' XFSZ; ulimit -f ${fileSizeLimitKb}; exec "$0" "$@"`, process.execPath, cli, ...args]]
    : [process.execPath, [cli, ...args]];
  const r = spawnSync(command, argv, { input: stdin ?? '', cwd, maxBuffer: 1 << 26, timeout });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Every file under `folder` (hidden ones too) with its content digest. */
function snapshot(folder) {
  const out = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(folder, full), createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(folder);
  return out;
}

function assertOneCleanLine(stderr, message) {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected one line of message, got:\n${stderr}`);
  assert.match(lines[0], /^ernie-slim: /);
  assert.match(lines[0], message);
  assert.doesNotMatch(stderr, INTERNALS, `internals in: ${stderr}`);
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bad-input-'));
  const fx = path.join(dir, 'fixtures');
  fs.mkdirSync(fx);
  const reviews = generateReviews(200, 5);
  f.t200 = writeLabeledTsv(fx, 't200.tsv', reviews);
  const chars = new Set(reviews.map((r) => r.text).join('') + 'greatrible很差好一般');
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars];
  f.vocab = path.join(fx, 'vocab.txt');
  fs.writeFileSync(f.vocab, tokens.join('\n') + '\n');
  const arch = {
    vocabSize: tokens.length,
    padId: 0,
    layers: 1,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    maxPositions: 64,
    typeVocabSize: 2,
    labels: 2,
    style: 'ernie',
    idType: 'int64',
  };
  f.teacher = path.join(fx, 'teacher.onnx');
  fs.writeFileSync(f.teacher, makeTeacher({ ...arch, seed: 1 }));
  f.teacher2 = path.join(fx, 'teacher2.onnx');
  fs.writeFileSync(f.teacher2, makeTeacher({ ...arch, seed: 2 }));
  f.texts = path.join(fx, 'texts.txt');
  fs.writeFileSync(f.texts, reviews.map((r) => r.text).join('\n') + '\n');
  // Ten good lines, then a line that is a header-less TSV row: label fails after two windows of 4.
  f.mixed = path.join(fx, 'mixed.txt');
  fs.writeFileSync(
    f.mixed,
    reviews
      .slice(0, 10)
      .map((r) => r.text)
      .join('\n') + '\npos\t很好\n',
  );
  f.empty = path.join(fx, 'empty.txt');
  fs.writeFileSync(f.empty, '');
  f.emptyBin = path.join(fx, 'empty.bin');
  fs.writeFileSync(f.emptyBin, '');
  f.folder = path.join(fx, 'a-folder');
  fs.mkdirSync(f.folder);
  f.badUtf8 = path.join(fx, 'bad-utf8.txt');
  fs.writeFileSync(f.badUtf8, Buffer.concat([Buffer.from('好\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
  f.ragged = path.join(fx, 'ragged.tsv');
  fs.writeFileSync(f.ragged, 'text_a\n好\n很好\t多余\n');
  f.headerless = path.join(fx, 'headerless.tsv');
  fs.writeFileSync(f.headerless, 'pos\t很好\nneg\t很差\n');
  f.unseen = path.join(fx, 'unseen.tsv');
  fs.writeFileSync(f.unseen, 'label\ttext_a\npos\t很好\nneg\t很差\nmaybe\t一般\n');
  f.model = path.join(fx, 'm.bin');
  const trained = run([
    'train',
    '--train',
    f.t200,
    '--model',
    'bow',
    '--out',
    f.model,
    '--epochs',
    '1',
    '--threads',
    '1',
  ]);
  assert.equal(trained.status, 0, trained.stderr);
  f.onnx = path.join(fx, 'm.onnx');
  assert.equal(run(['export', '--model', f.model, '--onnx', f.onnx]).status, 0);
  // A partial output made by a run that failed after two windows, for the --resume cases.
  const seed = path.join(dir, 'seed-partial');
  fs.mkdirSync(seed);
  const failed = run(
    [
      'label',
      '--teacher',
      f.teacher,
      '--vocab',
      f.vocab,
      '--input',
      f.mixed,
      '--output',
      'out.tsv',
      '--window',
      '4',
      '--soft',
    ],
    { cwd: seed },
  );
  assert.equal(failed.status, 1, failed.stderr);
  f.partial = path.join(seed, 'out.tsv.partial');
  f.partialRecord = path.join(seed, 'out.tsv.partial.json');
  assert.equal(fs.readFileSync(f.partial, 'utf8').split('\n').length, 10, 'header, 8 rows and the final newline');
  assert.ok(fs.existsSync(f.partialRecord));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const label = ['label', '--teacher', () => f.teacher, '--vocab', () => f.vocab];
const copyPartial = (d, { record = true, garbage = false } = {}) => {
  fs.writeFileSync(
    path.join(d, 'out.tsv.partial'),
    garbage ? 'PK\u0003\u0004 not a tsv\nat all\n' : fs.readFileSync(f.partial),
  );
  if (record) fs.copyFileSync(f.partialRecord, path.join(d, 'out.tsv.partial.json'));
};

/** Each command's required flags, with files that need not exist: the flag layer refuses before any is read. */
const BASE_ARGS = {
  label: ['--teacher', 'nope.onnx', '--input', 'nope.txt', '--output', 'x.tsv'],
  augment: ['-i', 'nope.tsv', '-o', 'out.tsv'],
  train: ['--train', 'nope.tsv', '--out', 'm.bin'],
  eval: ['--model', 'nope.bin', '--data', 'nope.tsv'],
  predict: ['--model', 'nope.bin'],
  tokenize: ['--vocab', 'nope.txt'],
  'make-teacher': ['--vocab', 'nope.txt', '--out', 't.onnx'],
  convert: ['--pretrained', 'nope', '--out', 't.onnx'],
  serve: ['--teacher', 'nope.onnx'],
  distill: ['--teacher', 'nope.onnx', '--train', 'nope.tsv', '--dev', 'nope.tsv', '--out', 'out'],
};

/**
 * The table. `args` items may be functions of the fixtures (called at run time); `setup(d)` prepares the case folder
 * (the command's cwd); `keeps` lists files the run may leave there; `todo` names what the case waits for.
 */
const cases = [
  // label (points 1-5, 10, 12)
  {
    name: 'label --window 0',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--window', '0'],
    exit: 2,
    message: /--window must be a positive integer \(got 0\)/,
  },
  {
    name: 'label --window -1',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--window', '-1'],
    exit: 2,
    message: /--window must be a positive integer/,
  },
  {
    name: 'label --window NaN',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--window', 'NaN'],
    exit: 2,
    message: /--window must be a positive integer/,
  },
  {
    name: 'label --window 2.5',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--window', '2.5'],
    exit: 2,
    message: /--window must be a positive integer/,
  },
  {
    name: 'label: a missing input leaves no OUT.partial',
    args: [...label, '--input', 'nope.txt', '--output', 'x.tsv'],
    exit: 1,
    message: /nope\.txt: cannot read \(ENOENT\)/,
  },
  {
    name: 'label: a folder as input',
    args: [...label, '--input', () => f.folder, '--output', 'x.tsv'],
    exit: 1,
    message: /a-folder: is a directory, not a file/,
  },
  {
    name: 'label: a ragged TSV leaves no OUT.partial',
    args: [...label, '--input', () => f.ragged, '--output', 'x.tsv'],
    exit: 1,
    message: /ragged\.tsv:3: expected 1 tab-separated columns, found 2/,
  },
  {
    name: 'label: bad UTF-8 leaves no OUT.partial',
    args: [...label, '--input', () => f.badUtf8, '--output', 'x.tsv'],
    exit: 1,
    message: /bad-utf8\.txt:2: invalid UTF-8/,
  },
  {
    name: 'label: a header-less labeled line on stdin',
    args: [...label],
    stdin: '1\t很差\n',
    exit: 1,
    message: /<stdin>:1: a tab in a plain text line \(for a TSV, give a header naming text_a\)/,
  },
  {
    name: 'label: a `lbl<TAB>text` header',
    args: [...label, '--output', 'x.tsv'],
    stdin: 'lbl\ttext\n好\n',
    exit: 1,
    message: /<stdin>:1: a tab in a plain text line/,
  },
  {
    name: 'label: a header-less labeled TSV file',
    args: [...label, '--input', () => f.headerless, '--output', 'x.tsv'],
    exit: 1,
    message: /headerless\.tsv:1: a tab in a plain text line/,
  },
  {
    name: 'label --output over --input',
    setup: (d) => fs.writeFileSync(path.join(d, 'in.txt'), '好\n'),
    args: [...label, '--input', 'in.txt', '--output', 'in.txt'],
    exit: 2,
    message: /--output in\.txt is the same file as --input in\.txt/,
  },
  {
    name: 'label --output over the teacher (a symlink)',
    setup: (d) => fs.symlinkSync(f.teacher, path.join(d, 'link.onnx')),
    args: [...label, '--input', () => f.texts, '--output', 'link.onnx'],
    exit: 2,
    message: /is the same file as --teacher/,
  },
  {
    name: 'label --resume with another input',
    setup: (d) => copyPartial(d),
    keeps: ['out.tsv.partial', 'out.tsv.partial.json'],
    args: [...label, '--input', () => f.texts, '--output', 'out.tsv', '--window', '4', '--soft', '--resume'],
    exit: 1,
    message:
      /out\.tsv\.partial: cannot resume: the input \(--input\) differs from the run that made it; remove out\.tsv\.partial to label again/,
  },
  {
    name: 'label --resume without the --soft that made it',
    setup: (d) => copyPartial(d),
    keeps: ['out.tsv.partial', 'out.tsv.partial.json'],
    args: [...label, '--input', () => f.mixed, '--output', 'out.tsv', '--window', '4', '--resume'],
    exit: 1,
    message: /cannot resume: --soft differs/,
  },
  {
    name: 'label --resume with another teacher',
    setup: (d) => copyPartial(d),
    keeps: ['out.tsv.partial', 'out.tsv.partial.json'],
    args: [
      'label',
      '--teacher',
      () => f.teacher2,
      '--vocab',
      () => f.vocab,
      '--input',
      () => f.mixed,
      '--output',
      'out.tsv',
      '--window',
      '4',
      '--soft',
      '--resume',
    ],
    exit: 1,
    message: /cannot resume: the teacher \(--teacher\) differs/,
  },
  {
    name: 'label --resume with another --max-len',
    setup: (d) => copyPartial(d),
    keeps: ['out.tsv.partial', 'out.tsv.partial.json'],
    args: [
      ...label,
      '--input',
      () => f.mixed,
      '--output',
      'out.tsv',
      '--window',
      '4',
      '--soft',
      '--max-len',
      '32',
      '--resume',
    ],
    exit: 1,
    message: /cannot resume: --max-len differs/,
  },
  {
    name: 'label --resume of a partial without its record',
    setup: (d) => copyPartial(d, { record: false }),
    keeps: ['out.tsv.partial'],
    args: [...label, '--input', () => f.mixed, '--output', 'out.tsv', '--soft', '--resume'],
    exit: 1,
    message: /cannot resume: no readable record of the run that made it/,
  },
  {
    name: 'label --resume of a garbage partial',
    setup: (d) => copyPartial(d, { garbage: true }),
    keeps: ['out.tsv.partial', 'out.tsv.partial.json'],
    args: [...label, '--input', () => f.mixed, '--output', 'out.tsv', '--window', '1', '--soft', '--resume'],
    exit: 1,
    message: /out\.tsv\.partial:1: cannot resume: the first line is not a header beginning text_a, not label's output/,
  },
  {
    name: 'label on a full disk names the path',
    fileSizeLimitKb: 2,
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--soft'],
    exit: 1,
    message: /x\.tsv\.partial: cannot write: file too large \(EFBIG\)/,
  },
  {
    name: 'label --teacher missing',
    args: ['label', '--teacher', 'nope.onnx', '--input', () => f.texts, '--output', 'x.tsv'],
    exit: 1,
    message: /nope\.onnx/,
  },
  {
    name: 'label --vocab is a folder',
    args: [
      'label',
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.folder,
      '--input',
      () => f.texts,
      '--output',
      'x.tsv',
    ],
    exit: 1,
    message: /a-folder: is a directory, not a vocabulary file/,
  },
  {
    name: 'label --max-len 100000 (flag range)',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--max-len', '100000'],
    exit: 2,
    message: /--max-len/,
  },
  {
    name: 'label --window twice (repeated flag)',
    args: [...label, '--input', () => f.texts, '--output', 'x.tsv', '--window', '4', '--window', '8'],
    exit: 2,
    message: /--window/,
  },

  // augment (points 3-5, 10)
  {
    name: 'augment: a missing input',
    args: ['augment', '-i', 'nope.tsv', '-o', 'out.tsv'],
    exit: 1,
    message: /nope\.tsv: cannot read \(ENOENT\)/,
  },
  {
    name: 'augment: a folder as input',
    args: ['augment', '-i', () => f.folder, '-o', 'out.tsv'],
    exit: 1,
    message: /is a directory, not a file/,
  },
  {
    name: 'augment: a header-less labeled TSV',
    args: ['augment', '-i', () => f.headerless, '-o', 'out.tsv', '--threads', '1'],
    exit: 1,
    message: /headerless\.tsv:1: a tab in a plain text line/,
  },
  {
    name: 'augment: bad UTF-8',
    args: ['augment', '-i', () => f.badUtf8, '-o', 'out.tsv', '--threads', '1'],
    exit: 1,
    message: /bad-utf8\.txt:2: invalid UTF-8/,
  },
  {
    name: 'augment --output over --input',
    setup: (d) => fs.copyFileSync(f.t200, path.join(d, 't.tsv')),
    args: ['augment', '-i', 't.tsv', '-o', 't.tsv'],
    exit: 2,
    message: /--output t\.tsv is the same file as --input t\.tsv/,
  },
  {
    name: 'augment --output over --input through a hard link',
    setup: (d) => (
      fs.copyFileSync(f.t200, path.join(d, 't.tsv')),
      fs.linkSync(path.join(d, 't.tsv'), path.join(d, 'u.tsv'))
    ),
    args: ['augment', '-i', 't.tsv', '-o', 'u.tsv'],
    exit: 2,
    message: /is the same file as --input/,
  },
  {
    name: 'augment on a full disk: exit 1 and the reason, no .tmp',
    fileSizeLimitKb: 8,
    args: ['augment', '-i', () => f.t200, '-o', 'out.tsv', '--times', '10', '--mix', 'unk=1', '--threads', '1'],
    exit: 1,
    message: /out\.tsv: cannot write: file too large \(EFBIG\)/,
  },
  {
    name: 'augment (pos) on a full disk: no .tmp, no .spill',
    fileSizeLimitKb: 4,
    args: [
      'augment',
      '-i',
      () => f.t200,
      '-o',
      'out.tsv',
      '--times',
      '10',
      '--pos-replace',
      '0.3',
      '--mix',
      'pos=1',
      '--threads',
      '1',
    ],
    exit: 1,
    message: /\.spill: cannot write a temporary file: file too large \(EFBIG\); see --temp-dir/,
  },
  {
    name: 'augment --seed -1 (flag range)',
    args: ['augment', '-i', () => f.t200, '-o', 'out.tsv', '--seed', '-1'],
    exit: 2,
    message: /--seed/,
  },

  // train (points 4, 5)
  {
    name: 'train: a header-less labeled TSV',
    args: ['train', '--train', () => f.headerless, '--model', 'bow', '--out', 'm.bin'],
    exit: 1,
    message: /headerless\.tsv:1: header must name a text_a column/,
  },
  {
    name: 'train: a folder as --train',
    args: ['train', '--train', () => f.folder, '--model', 'bow', '--out', 'm.bin'],
    exit: 1,
    message: /a-folder: is a directory, not a file/,
  },
  {
    name: 'train --out over --train',
    setup: (d) => fs.copyFileSync(f.t200, path.join(d, 't.tsv')),
    args: ['train', '--train', 't.tsv', '--model', 'bow', '--out', 't.tsv'],
    exit: 2,
    message: /is the same file as --train/,
  },
  {
    name: 'train --out twice (repeated flag)',
    args: ['train', '--train', () => f.t200, '--model', 'bow', '--out', 'a.bin', '--out', 'b.bin'],
    exit: 2,
    message: /--out/,
  },
  {
    name: 'train --seed -1 (flag range)',
    args: ['train', '--train', () => f.t200, '--model', 'bow', '--out', 'a.bin', '--seed', '-1'],
    exit: 2,
    message: /--seed/,
  },

  // eval (point 12)
  {
    name: 'eval: a missing model',
    args: ['eval', '--model', 'nope.bin', '--data', () => f.t200],
    exit: 1,
    message: /nope\.bin: cannot read model \(ENOENT\)/,
  },
  {
    name: 'eval: a zero-byte .bin says empty',
    args: ['eval', '--model', () => f.emptyBin, '--data', () => f.t200],
    exit: 1,
    message: /empty\.bin: model file is empty \(0 bytes\)/,
  },
  {
    name: 'eval: a truncated .bin',
    setup: (d) => fs.writeFileSync(path.join(d, 'cut.bin'), fs.readFileSync(f.model).subarray(0, 5)),
    args: ['eval', '--model', 'cut.bin', '--data', () => f.t200],
    exit: 1,
    message: /cut\.bin: model file is truncated/,
  },
  {
    name: 'eval: a folder as model',
    args: ['eval', '--model', () => f.folder, '--data', () => f.t200],
    exit: 1,
    message: /a-folder: is a directory, not a model file/,
  },
  {
    name: 'eval: a header-less labeled TSV',
    args: ['eval', '--model', () => f.model, '--data', () => f.headerless],
    exit: 1,
    message: /headerless\.tsv:1: header must name a text_a column/,
  },
  {
    name: 'eval --model twice (repeated flag)',
    args: ['eval', '--model', () => f.model, '--model', () => f.model, '--data', () => f.t200],
    exit: 2,
    message: /--model/,
  },

  // predict (points 4, 12)
  {
    name: 'predict: a header-less labeled TSV on stdin',
    args: ['predict', '--model', () => f.model],
    stdin: 'pos\t很好\n',
    exit: 1,
    message: /<stdin>:1: a tab in a plain text line \(for a TSV, give a header naming text_a\)/,
  },
  {
    name: 'predict: a zero-byte model',
    args: ['predict', '--model', () => f.emptyBin],
    stdin: '好\n',
    exit: 1,
    message: /model file is empty/,
  },
  {
    name: 'predict: bad UTF-8',
    args: ['predict', '--model', () => f.model],
    stdin: Buffer.from([0x41, 0x0a, 0xc3, 0x28, 0x0a]),
    exit: 1,
    message: /<stdin>:2: invalid UTF-8/,
  },

  // export (points 5, 12)
  {
    name: 'export: a zero-byte model',
    args: ['export', '--model', () => f.emptyBin, '--onnx', 'x.onnx'],
    exit: 1,
    message: /model file is empty/,
  },
  {
    name: 'export: an ONNX file given as the .bin',
    args: ['export', '--model', () => f.onnx, '--onnx', 'x.onnx'],
    exit: 1,
    message: /m\.onnx: not an ernie-slim model file/,
  },
  {
    name: 'export --onnx over --model',
    setup: (d) => fs.copyFileSync(f.model, path.join(d, 'm.bin')),
    args: ['export', '--model', 'm.bin', '--onnx', 'm.bin'],
    exit: 2,
    message: /is the same file as --model/,
  },
  {
    name: 'quantize --out over --teacher',
    setup: (d) => fs.copyFileSync(f.teacher, path.join(d, 't.onnx')),
    args: ['quantize', '--teacher', 't.onnx', '--out', 't.onnx'],
    exit: 2,
    message: /--out t\.onnx is the same file as --teacher t\.onnx/,
  },
  {
    name: 'finetune --out into the --pretrained folder',
    setup: (d) => {
      fs.mkdirSync(path.join(d, 'ckpt'));
      fs.writeFileSync(path.join(d, 'ckpt', 'config.json'), '{}');
    },
    args: ['finetune', '--pretrained', 'ckpt', '--train', () => f.t200, '--out', 'ckpt'],
    exit: 2,
    message: /--out ckpt\/config\.json is the same file as --pretrained ckpt\/config\.json/,
  },

  // tokenize, segment (point 12)
  {
    name: 'tokenize --vocab is a folder',
    args: ['tokenize', '--vocab', () => f.folder],
    stdin: '好\n',
    exit: 1,
    message: /a-folder: is a directory, not a vocabulary file/,
  },
  {
    name: 'tokenize --vocab missing',
    args: ['tokenize', '--vocab', 'nope.txt'],
    stdin: '好\n',
    exit: 1,
    message: /nope\.txt: vocabulary file not found/,
  },
  {
    name: 'tokenize --vocab empty',
    args: ['tokenize', '--vocab', () => f.empty],
    stdin: '好\n',
    exit: 1,
    message: /the vocabulary file is empty/,
  },
  {
    name: 'segment: bad UTF-8',
    args: ['segment'],
    stdin: Buffer.from([0x41, 0x0a, 0xff, 0x0a]),
    exit: 1,
    message: /<stdin>:2: invalid UTF-8/,
  },

  // make-teacher (points 5, 12)
  {
    name: 'make-teacher --out over --vocab',
    setup: (d) => fs.copyFileSync(f.vocab, path.join(d, 'v.txt')),
    args: ['make-teacher', '--vocab', 'v.txt', '--out', 'v.txt', '--layers', '1', '--hidden', '16', '--heads', '2'],
    exit: 2,
    message: /--out v\.txt is the same file as --vocab v\.txt/,
  },
  {
    name: 'make-teacher --vocab is a folder',
    args: [
      'make-teacher',
      '--vocab',
      () => f.folder,
      '--out',
      't.onnx',
      '--layers',
      '1',
      '--hidden',
      '16',
      '--heads',
      '2',
    ],
    exit: 1,
    message: /is a directory, not a vocabulary file/,
  },
  {
    name: 'make-teacher --hidden 100000 (flag range)',
    args: ['make-teacher', '--vocab', () => f.vocab, '--out', 't.onnx', '--hidden', '100000'],
    exit: 2,
    message: /--hidden/,
  },
  {
    name: 'make-teacher --max-positions 2 (flag range)',
    args: [
      'make-teacher',
      '--vocab',
      () => f.vocab,
      '--out',
      't.onnx',
      '--layers',
      '1',
      '--hidden',
      '16',
      '--heads',
      '2',
      '--max-positions',
      '2',
    ],
    exit: 2,
    message: /--max-positions/,
  },

  // finetune (point 7)
  {
    name: 'finetune --epochs 0 (flag range)',
    args: ['finetune', '--pretrained', 'ckpt', '--train', () => f.t200, '--out', 'ft', '--epochs', '0'],
    exit: 2,
    message: /--epochs must be a positive integer \(got 0\)$/,
  },
  {
    name: 'finetune --warmup 2 (flag range)',
    args: ['finetune', '--pretrained', 'ckpt', '--train', () => f.t200, '--out', 'ft', '--warmup', '2'],
    exit: 2,
    message: /--warmup/,
  },

  // distill (points 5, 8, 9, 12)
  {
    name: 'distill --unlabeled empty.txt: an error up front',
    args: [
      'distill',
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.vocab,
      '--train',
      () => f.t200,
      '--dev',
      () => f.t200,
      '--unlabeled',
      () => f.empty,
      '--out',
      'out',
    ],
    exit: 1,
    message: /--unlabeled has no texts/,
  },
  {
    name: 'distill --epochs 0 before any labeling',
    args: [
      'distill',
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.vocab,
      '--train',
      () => f.t200,
      '--dev',
      () => f.t200,
      '--epochs',
      '0',
      '--out',
      'out',
    ],
    exit: 2,
    message: /--epochs/,
  },
  {
    name: 'distill --out is a file',
    setup: (d) => fs.writeFileSync(path.join(d, 'afile'), 'x'),
    args: [
      'distill',
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.vocab,
      '--train',
      () => f.t200,
      '--dev',
      () => f.t200,
      '--out',
      'afile',
    ],
    exit: 1,
    message: /afile: the output folder is not writable/,
  },
  {
    name: 'distill: a header-less --train',
    args: [
      'distill',
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.vocab,
      '--train',
      () => f.headerless,
      '--dev',
      () => f.t200,
      '--out',
      'out',
    ],
    keeps: ['out/'],
    exit: 1,
    message: /headerless\.tsv:1: header must name a text_a column/,
  },

  // serve (points 7, 12)
  {
    name: 'serve --teacher missing',
    args: ['serve', '--teacher', 'nope.onnx', '--port', '0'],
    exit: 1,
    message: /nope\.onnx/,
  },
  {
    name: 'serve --teacher a zero-byte file',
    args: ['serve', '--teacher', () => f.emptyBin, '--port', '0'],
    exit: 1,
    message: /empty\.bin/,
  },
  {
    name: 'serve --port 70000 (flag range)',
    args: ['serve', '--teacher', () => f.teacher, '--port', '70000'],
    exit: 2,
    message: /--port/,
  },
  {
    name: 'serve --max-queue-delay-ms -5 (flag range)',
    args: ['serve', '--teacher', () => f.teacher, '--max-queue-delay-ms', '-5'],
    exit: 2,
    message: /--max-queue-delay-ms/,
  },
  // The flag layer's rule, over every command's other numeric flags and repeated flags: exit 2 naming the flag,
  // before any file is read (the files named here may not even exist).
  ...[
    ['label', ['--batch-size', '0'], /--batch-size must be a positive integer \(got 0\)/],
    ['label', ['--threads', '0'], /--threads must be an integer from 1 to 1024 \(got 0\)/],
    ['label', ['--concurrency', '2000'], /--concurrency must be an integer from 1 to 1024 \(got 2000\)/],
    ['label', ['--teacher-timeout', '0'], /--teacher-timeout must be a positive number \(got 0\)/],
    ['label', ['--temperature', '-1'], /--temperature must be a positive number \(got -1\)/],
    ['label', ['--max-tokens', '1.5'], /--max-tokens must be a positive integer \(got 1\.5\)/],
    ['augment', ['--threads', '0'], /--threads must be an integer from 1 to 256 \(got 0\)/],
    ['augment', ['--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295 \(got 4294967296\)/],
    ['augment', ['--unk', '-0.5'], /--unk must be within \[0, 1\] \(got -0\.5\)/],
    ['train', ['--max-vocab', '-1'], /--max-vocab must be a whole number, got -1/],
    ['train', ['--weight-decay', '-1'], /--weight-decay must be a number >= 0, got -1/],
    ['train', ['--clip-norm', '-1'], /--clip-norm must be a number >= 0, got -1/],
    ['train', ['--max-words', '2.5'], /--max-words must be a whole number, got 2\.5/],
    ['train', ['--lr', 'Infinity'], /--lr must be a positive number, got Infinity/],
    ['eval', ['--threads', '0'], /--threads must be an integer from 1 to 1024 \(got 0\)/],
    ['predict', ['--threads', '1.5'], /--threads must be an integer from 1 to 1024 \(got 1\.5\)/],
    ['tokenize', ['--max-len', '2'], /--max-len must be an integer of at least 3 \(got 2\)/],
    ['tokenize', ['--threads', '2000'], /--threads must be an integer from 1 to 1024 \(got 2000\)/],
    ['make-teacher', ['--layers', '0'], /--layers must be an integer from 1 to 96 \(got 0\)/],
    ['make-teacher', ['--heads', '1000'], /--heads must be an integer from 1 to 128 \(got 1000\)/],
    ['make-teacher', ['--labels', '1'], /--labels must be an integer from 2 to 10000 \(got 1\)/],
    ['make-teacher', ['--seed', '-1'], /--seed must be an integer from 0 to 4294967295 \(got -1\)/],
    ['convert', ['--seed', '1.5'], /--seed must be an integer from 0 to 4294967295 \(got 1\.5\)/],
    ['serve', ['--port', '-1'], /--port must be an integer from 0 to 65535 \(got -1\)/],
    ['serve', ['--port', '1.5'], /--port must be an integer from 0 to 65535 \(got 1\.5\)/],
    ['serve', ['--max-batch', '0'], /--max-batch must be a positive integer \(got 0\)/],
    ['serve', ['--max-body-mb', '0'], /--max-body-mb must be within \(0, 4096\] \(got 0\)/],
    ['serve', ['--max-len', '100000'], /--max-len must be an integer from 3 to 8192 \(got 100000\)/],
    ['bench', ['--sentences', '0'], /--sentences must be a positive integer \(got 0\)/],
    ['distill', ['--lr', '0'], /--lr must be a positive number, got 0/],
    ['distill', ['--alpha', '2'], /--alpha must be within \[0, 1\], got 2/],
    ['distill', ['--temperature', '0'], /--temperature must be a positive number, got 0/],
    ['distill', ['--augment-times', '-1'], /--augment-times must be a whole number \(got -1\)/],
    ['distill', ['--teacher-epochs', '0'], /--teacher-epochs must be a positive integer \(got 0\)/],
    ['distill', ['--max-len', '100000'], /--max-len must be an integer from 3 to 8192 \(got 100000\)/],
    ['distill', ['--batch-size', '0'], /--batch-size must be a positive integer \(got 0\)/],
    ['distill', ['--seed', '-1'], /--seed must be an integer from 0 to 4294967295 \(got -1\)/],
    ['distill', ['--teacher-timeout', '0'], /--teacher-timeout must be a positive number \(got 0\)/],
    ['serve', ['--port', '1', '--port', '2'], /--port is given more than once; it takes one value/],
    ['augment', ['-o', 'a.tsv'], /--output is given more than once/],
    ['make-teacher', ['--hidden', '16', '--hidden', '32'], /--hidden is given more than once/],
    ['distill', ['--out', 'a', '--out', 'b'], /--out is given more than once/],
    ['eval', ['--json', '--data', 'b.tsv'], /--data is given more than once/],
  ].map(([command, flags, message]) => ({
    name: `${command} ${flags.join(' ')} (flag layer)`,
    args: [command, ...(BASE_ARGS[command] ?? []), ...flags],
    exit: 2,
    message,
  })),
  {
    name: 'an array flag stays repeatable: label --teacher twice reaches the next check',
    args: [
      'label',
      '--teacher',
      () => f.teacher,
      '--teacher',
      () => f.teacher,
      '--vocab',
      () => f.vocab,
      '--input',
      () => f.texts,
      '--output',
      'x.tsv',
      '--max-len',
      '9000',
    ],
    exit: 2,
    message: /--max-len must be an integer from 3 to 8192 \(got 9000\)/,
  },
];

for (const c of cases) {
  const body = () => {
    const d = path.join(dir, `case-${String(++caseNumber).padStart(2, '0')}`);
    fs.mkdirSync(d);
    c.setup?.(d);
    const before = snapshot(d);
    const args = c.args.map((a) => (typeof a === 'function' ? a() : a));
    // A todo row may run on where it should refuse (serve): it is cut short.
    const r = run(args, {
      stdin: c.stdin,
      cwd: d,
      fileSizeLimitKb: c.fileSizeLimitKb,
      ...(c.todo ? { timeout: 15_000 } : {}),
    });
    assert.equal(r.status, c.exit, `exit ${r.status} (signal ${r.signal}); stderr: ${r.stderr}`);
    assertOneCleanLine(r.stderr, c.message);
    const after = snapshot(d);
    const keeps = new Set(c.keeps ?? []);
    for (const [file, digest] of before) assert.equal(after.get(file), digest, `${file} changed or vanished`);
    for (const file of after.keys()) {
      if (before.has(file) || keeps.has(file) || [...keeps].some((k) => k.endsWith('/') && file.startsWith(k)))
        continue;
      assert.fail(`left behind: ${file}${LEFTOVER.test(file) ? ' (a temporary or partial file)' : ''}`);
    }
  };
  if (c.todo) test.todo(`${c.name} [${c.todo}]`, body);
  else test(c.name, body);
}

test(
  'distill into a read-only folder reports the permission problem',
  { skip: process.getuid?.() === 0 && 'root writes anywhere' },
  () => {
    const d = path.join(dir, 'read-only');
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o555);
    const r = run([
      'distill',
      '--teacher',
      f.teacher,
      '--vocab',
      f.vocab,
      '--train',
      f.t200,
      '--dev',
      f.t200,
      '--out',
      path.join(d, 'out'),
    ]);
    fs.chmodSync(d, 0o755);
    assert.equal(r.status, 1);
    assertOneCleanLine(r.stderr, /the output folder is not writable: .*permission denied \(EACCES\)/);
  },
);

test('ensureWritableFolder names the folder that refuses (an injected EACCES, as root cannot be refused)', async () => {
  const { ensureWritableFolder } = await import('../dist/data/output-guard.js');
  const mkdir = fs.mkdirSync;
  fs.mkdirSync = () => {
    throw Object.assign(new Error('EACCES: permission denied, mkdir'), { code: 'EACCES' });
  };
  try {
    assert.throws(
      () => ensureWritableFolder(path.join(dir, 'nowhere', 'out')),
      /nowhere\/out: the output folder is not writable: permission denied \(EACCES\)/,
    );
  } finally {
    fs.mkdirSync = mkdir;
  }
});

test('eval --skip-bad-lines counts rows with unseen labels as wrong and says how many', async () => {
  const r = run(['eval', '--model', f.model, '--data', f.unseen, '--skip-bad-lines', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(result.n, 3, 'the unseen-label row is scored');
  assert.equal(result.skipped_lines, 1, 'and reported among the bad lines');
  assert.ok(result.accuracy <= 2 / 3 + 1e-12, `accuracy ${result.accuracy} counts it as wrong`);
  const { evaluate } = await import('../dist/index.js');
  const api = await evaluate({ model: f.model, data: f.unseen, skipBadLines: true });
  assert.equal(api.unknownLabelRows, 1);
  // Without --skip-bad-lines it stays an error naming the line.
  const strict = run(['eval', '--model', f.model, '--data', f.unseen]);
  assert.equal(strict.status, 1);
  assertOneCleanLine(strict.stderr, /unseen\.tsv:4: unknown label "maybe"/);
});

test('Student.predict(null) and friends: a TypeError that says what to give', async () => {
  const student = await Student.load(f.model);
  assert.throws(() => student.predict(null), {
    name: 'TypeError',
    message: /predict takes a string, \{ textA, textB\? \} or \[textA, textB\] \(got null\)/,
  });
  assert.throws(() => student.predict(42), { name: 'TypeError', message: /\(got number\)/ });
  assert.throws(() => student.predict({ text: 'x' }), {
    name: 'TypeError',
    message: /textA must be a string \(got undefined\)/,
  });
  assert.throws(() => student.predict(['a']), { name: 'TypeError', message: /a text pair must be \[textA, textB\]/ });
  await assert.rejects(student.predictBatch(null), { name: 'TypeError', message: /predictBatch takes an array/ });
  await assert.rejects(Student.load(null), { name: 'TypeError', message: /Student\.load takes the path/ });
  await assert.rejects(Student.load(f.emptyBin), /empty\.bin: model file is empty \(0 bytes\)/);
  assert.equal(typeof student.predict('很好').label, 'string');
});

async function waitFor(predicate, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = predicate();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  test(`augment ended by ${signal} mid-run leaves neither .tmp nor .spill`, async () => {
    const d = path.join(dir, `signal-${signal}`);
    fs.mkdirSync(d);
    const big = path.join(d, 'big.tsv');
    const rows = generateReviews(20000, 9);
    fs.writeFileSync(big, 'label\ttext_a\n' + rows.map((r) => `${r.label}\t${r.text}`).join('\n') + '\n');
    const child = spawn(
      process.execPath,
      [
        cli,
        'augment',
        '-i',
        big,
        '-o',
        path.join(d, 'out.tsv'),
        '--times',
        '20',
        '--mix',
        'pos=1',
        '--pos-replace',
        '0.3',
        '--threads',
        '2',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise((resolve) => child.on('exit', (status, sig) => resolve({ status, sig })));
    const names = () => fs.readdirSync(d);
    assert.ok(
      await waitFor(() => names().some((n) => n.endsWith('.tmp')) && names().some((n) => n.endsWith('.spill')), 60_000),
      'augment made its temporary output and spill',
    );
    child.kill(signal);
    const { status } = await exited;
    assert.equal(status, code);
    assert.deepEqual(
      fs.readdirSync(d).filter((n) => LEFTOVER.test(n) || n === 'out.tsv'),
      [],
    );
  });
}

test('temporary files are removed when the process exits before they are renamed (a train killed while writing)', () => {
  const d = path.join(dir, 'exit-cleanup');
  fs.mkdirSync(d);
  const script = `
    const { AtomicFileWriter, writeFileAtomic } = await import(${JSON.stringify(path.join(root, 'dist/data/atomic-file.js'))});
    const { TaggedSpill } = await import(${JSON.stringify(path.join(root, 'dist/augment/tagged-spill.js'))});
    const w = await AtomicFileWriter.open(${JSON.stringify(path.join(d, 'model.bin'))});
    await w.write('half a model');
    const spill = TaggedSpill.create(${JSON.stringify(d)});
    await spill.write('records\\n');
    void writeFileAtomic(${JSON.stringify(path.join(d, 'other.bin'))}, Buffer.alloc(1 << 20));
    process.exit(143);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 143, r.stderr);
  assert.deepEqual(fs.readdirSync(d), []);
});

test('the service: what the teacher cannot take is a 400 with a clear message; slow clients are cut off', async (t) => {
  const service = await TeacherService.start({
    teacher: f.teacher,
    vocab: f.vocab,
    port: 0,
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
  });
  t.after(() => service.close());
  const infer = `http://127.0.0.1:${service.address.port}/v2/models/teacher/infer`;
  const ids = (data, shape = [1, data.length], name = 'input_ids') => ({ name, shape, datatype: 'INT64', data });
  const vocabSize = fs.readFileSync(f.vocab, 'utf8').trim().split('\n').length;
  const post = async (body) => {
    const res = await fetch(infer, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const cases = [
    [{ inputs: [ids([2, -5, 3])] }, /input input_ids: element 1 is -5; ids must be non-negative/],
    [
      { inputs: [ids([2, vocabSize, 3])] },
      new RegExp(
        `the teacher cannot run this input: input_ids row 0 has id ${vocabSize} at position 1, outside its vocabulary of ${vocabSize} ids`,
      ),
    ],
    [{ inputs: [ids(Array(65).fill(5))] }, /input_ids row 0 has 65 tokens, more than its 64 positions/],
    [{ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['好'.repeat(200)] }] }, null],
    [{ inputs: [ids([], [0, 3])] }, /an empty batch \(shape \[0, 3\]\)/],
    [{ inputs: [ids([], [2, 0])] }, /rows of no tokens/],
    [{ inputs: [{ name: 'text', shape: [0], datatype: 'BYTES', data: [] }] }, /input text: an empty batch/],
    [
      { inputs: [ids([2, 5, 3]), ids([0, 7, 0], [1, 3], 'token_type_ids')] },
      /token_type_ids row 0 has 7 at position 1; it takes 0 to 1/,
    ],
    [
      { inputs: [ids([2, 5, 3])], outputs: [{ name: 'probabilities' }] },
      /unknown output probabilities \(this model gives logits\)/,
    ],
    [{ inputs: [ids([2, 5, 3])], outputs: 'logits' }, /"outputs" must be an array/],
    [{ inputs: [ids([2, 5.5, 3])] }, /element 1 is not an integer/],
  ];
  for (const [body, message] of cases) {
    const res = await post(body);
    if (message === null) {
      // Text is truncated to --max-len by the server, so a long text is fine.
      assert.equal(res.status, 200, JSON.stringify(res.body));
      continue;
    }
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error, message);
    assert.doesNotMatch(res.body.error, INTERNALS);
    assert.doesNotMatch(res.body.error, /Status Message|onnxruntime|Gather/);
  }
  // A mask that hides a whole row (this ernie-style teacher takes no mask; the protocol layer checks it for those that do).
  const { requestRows, ProtocolError } = await import('../dist/server/kserve-protocol.js');
  assert.throws(
    () =>
      requestRows({ inputs: [ids([2, 5, 3]), ids([0, 0, 0], [1, 3], 'attention_mask')] }, [
        'input_ids',
        'attention_mask',
      ]),
    (err) =>
      err instanceof ProtocolError &&
      err.status === 400 &&
      /input attention_mask: row 0 has no tokens/.test(err.message),
  );
  const good = await post({ inputs: [ids([2, 5, 3])], outputs: [{ name: 'logits' }] });
  assert.equal(good.status, 200);
  // Headers that never finish, and a body that never comes: both cut off within the limits, not 300 s.
  for (const partial of [
    'POST /v2/models/teacher/infer HTTP/1.1\r\nHost: x\r\n',
    'POST /v2/models/teacher/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"inputs"',
  ]) {
    const started = Date.now();
    const answer = await new Promise((resolve) => {
      const socket = net.connect(service.address.port, '127.0.0.1', () => socket.write(partial));
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    const waited = Date.now() - started;
    assert.ok(waited < 4000, `held for ${waited} ms`);
    assert.match(answer, /^HTTP\/1\.1 408|^$/);
  }
});
