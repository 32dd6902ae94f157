// Usage mistakes: exit 2, one line naming what was typed, and the help of the command at hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli } from './student-fixtures.js';

const usage = (args, first, help) => {
  const run = cli(args, '');
  assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
  assert.equal(run.stderr, `ernie-slim: ${first}\n(see ${help} --help)\n`);
  assert.equal(run.stdout, '');
};

test('an unknown command suggests only a close match', () => {
  usage(['foo'], "unknown command 'foo'", 'ernie-slim');
  usage(['xyzzy', '--json'], "unknown command 'xyzzy'", 'ernie-slim');
  usage(['tokenz'], "unknown command 'tokenz'; did you mean tokenize?", 'ernie-slim');
  usage(['trian'], "unknown command 'trian'; did you mean train?", 'ernie-slim');
  usage(['lable'], "unknown command 'lable'; did you mean label?", 'ernie-slim');
  usage(['pred'], "unknown command 'pred'; did you mean predict?", 'ernie-slim');
  usage([], 'give a command', 'ernie-slim');
});

test("unknown flags are named once, as typed, with the command's own help", () => {
  usage(['tokenize', '--vocab', 'v.txt', '--bogus'], 'Unknown argument: --bogus', 'ernie-slim tokenize');
  usage(['tokenize', '--vocab', 'v.txt', '--foo-bar', '1'], 'Unknown argument: --foo-bar', 'ernie-slim tokenize');
  usage(['tokenize', '--vocab', 'v.txt', '--fooBar=1'], 'Unknown argument: --fooBar', 'ernie-slim tokenize');
  usage(['tokenize', '--vocab', 'v.txt', '--no-such-flag'], 'Unknown argument: --no-such-flag', 'ernie-slim tokenize');
  usage(
    ['predict', '--model', 'm.bin', '--max-len', '3', '--prob'],
    'Unknown arguments: --max-len, --prob',
    'ernie-slim predict',
  );
  usage(['segment', 'extra'], 'Unknown argument: extra', 'ernie-slim segment');
});

test("missing and invalid flags point to the command's own help", () => {
  usage(['tokenize'], 'Missing required argument: --vocab', 'ernie-slim tokenize');
  usage(['eval'], 'Missing required arguments: --model, --data', 'ernie-slim eval');
  usage(
    ['train', '--train', 't.tsv', '--out', 'm.bin', '--model', 'transformer'],
    'Invalid value for --model: "transformer" (choices: "bow", "cnn", "lstm")',
    'ernie-slim train',
  );
  usage(['--verbose', 'export', '--model', 'm.bin'], 'Missing required argument: --onnx', 'ernie-slim export');
});
