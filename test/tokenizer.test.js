// The WordPiece tokenizer against Hugging Face tokenizers on a vocabulary the test makes (no ../shared needed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { after, before, describe, test } from 'node:test';
import { InputError, WordPieceTokenizer } from '../dist/index.js';
import {
  EDGE_CASES,
  randomTexts,
  referenceEncodings,
  referenceIds,
  referenceTokenizer,
  unpaddedRows,
  writeFixtureVocabs,
} from './tokenizer-reference.js';

let vocabs;
let reference;
let tokenizer;
before(async () => {
  vocabs = writeFixtureVocabs();
  reference = await referenceTokenizer(vocabs.bert);
  tokenizer = WordPieceTokenizer.fromFile(vocabs.bert);
});
after(() => fs.rmSync(vocabs.dir, { recursive: true, force: true }));

describe('WordPieceTokenizer on a fixture vocabulary', () => {
  test('reads the vocabulary and its special ids', () => {
    assert.equal(tokenizer.vocabSize, vocabs.tokens.length);
    assert.deepEqual(tokenizer.specialIds, { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
    assert.equal(tokenizer.tokenToId('hello'), vocabs.tokens.indexOf('hello'));
    assert.equal(tokenizer.idToToken(vocabs.tokens.indexOf('##able')), '##able');
    assert.equal(tokenizer.tokenToId('not-a-token'), null);
    assert.equal(tokenizer.idToToken(1e6), null);
  });

  test('edge cases: identical ids to Hugging Face tokenizers', async () => {
    const expected = await referenceIds(reference, EDGE_CASES);
    EDGE_CASES.forEach((text, i) => assert.deepEqual(tokenizer.encode(text), expected[i], JSON.stringify(text)));
  });

  test('edge cases: each stage matches on its own', () => {
    const normalizer = reference.getNormalizer();
    const preTokenizer = reference.getPreTokenizer();
    for (const text of EDGE_CASES) {
      const normalized = tokenizer.normalize(text);
      assert.equal(normalized, normalizer.normalizeString(text), JSON.stringify(text));
      assert.deepEqual(
        tokenizer.preTokenize(normalized),
        preTokenizer.preTokenizeString(normalized).map(([w]) => w),
        JSON.stringify(text),
      );
    }
  });

  test('seeded random texts and pairs, cased and uncased, with and without truncation', async () => {
    const texts = randomTexts(3000, 7);
    const pairs = randomTexts(2000, 8).map((a, i) => [a, texts[i]]);
    for (const lowercase of [true, false]) {
      const ours = WordPieceTokenizer.fromFile(vocabs.bert, { lowercase });
      for (const maxLength of [512, 9]) {
        const ref = await referenceTokenizer(vocabs.bert, { lowercase, maxLength });
        for (const inputs of [texts, pairs]) {
          const expected = await referenceIds(ref, inputs);
          inputs.forEach((input, i) => {
            const got =
              typeof input === 'string'
                ? ours.encode(input, null, { maxLength })
                : ours.encode(input[0], input[1], { maxLength });
            if (got.join() !== expected[i].join()) assert.deepEqual(got, expected[i], JSON.stringify(input));
          });
        }
      }
    }
  });

  test('--no-lowercase keeps case and accents, as BertNormalizer with lowercase false', async () => {
    const cased = WordPieceTokenizer.fromFile(vocabs.bert, { lowercase: false });
    const ref = await referenceTokenizer(vocabs.bert, { lowercase: false });
    const expected = await referenceIds(ref, EDGE_CASES);
    EDGE_CASES.forEach((text, i) => assert.deepEqual(cased.encode(text), expected[i], JSON.stringify(text)));
  });

  test('pairs: token types and longest-first truncation for every length combination', async () => {
    const words = ['hello', 'world', '中', '国', 'play', '##ing'];
    const text = (n) => Array.from({ length: n }, (_, i) => (i % 3 === 2 ? '中' : words[i % 2])).join(' ');
    for (const maxLength of [3, 4, 5, 8, 13]) {
      const ref = await referenceTokenizer(vocabs.bert, { maxLength });
      const inputs = [];
      for (let a = 0; a <= 12; a++) for (let b = 0; b <= 12; b++) inputs.push([text(a), text(b)]);
      const expected = await referenceIds(ref, inputs);
      const types = (await referenceEncodings(ref, inputs)).map((e) => e.getTypeIds());
      inputs.forEach(([a, b], i) => {
        const got = tokenizer.encodeWithTypes(a, b, { maxLength });
        assert.deepEqual(got.ids, expected[i], `max ${maxLength}: ${a} | ${b}`);
        assert.deepEqual(got.typeIds, types[i]);
      });
      const singles = inputs.map(([a]) => a);
      const expectedSingles = await referenceIds(ref, singles);
      singles.forEach((a, i) => assert.deepEqual(tokenizer.encode(a, null, { maxLength }), expectedSingles[i]));
    }
  });

  test('pairs: where a special token meets the length limit (tokenizers stops a sequence after a word only)', async () => {
    const words = (n) => Array(n).fill('hello').join(' ');
    const inputs = [];
    for (let k = 10; k <= 20; k++)
      inputs.push([`${words(k)} [MASK] ${words(20 - k)}`, words(20)], [words(20), `${words(k)}[SEP]${words(20 - k)}`]);
    inputs.push(['[MASK]'.repeat(20) + ' hello', words(20)], [words(18), '[UNK] '.repeat(17) + 'playing']);
    for (const maxLength of [8, 16, 19]) {
      const ref = await referenceTokenizer(vocabs.bert, { maxLength });
      const expected = await referenceEncodings(ref, inputs);
      inputs.forEach(([a, b], i) => {
        const got = tokenizer.encodeWithTypes(a, b, { maxLength });
        assert.deepEqual(got.ids, expected[i].getIds(), `max ${maxLength}: ${a} | ${b}`);
        assert.deepEqual(got.typeIds, expected[i].getTypeIds());
      });
    }
  });

  test('encodeBatch: padded BigInt64Array tensors on one native buffer', async () => {
    const texts = ['hello world', '中国', '', 'playing tokenizers and more words'];
    const batch = await tokenizer.encodeBatch(texts);
    assert.equal(batch.batchSize, 4);
    assert.ok(batch.inputIds instanceof BigInt64Array);
    assert.equal(batch.inputIds.length, batch.batchSize * batch.seqLen);
    assert.equal(batch.inputIds.buffer, batch.attentionMask.buffer);
    const rows = unpaddedRows(batch);
    texts.forEach((t, i) => assert.deepEqual(rows[i], tokenizer.encode(t)));
    assert.equal(batch.seqLen, Math.max(...rows.map((r) => r.length)));
    for (let k = 0; k < batch.inputIds.length; k++) {
      if (batch.attentionMask[k] === 0n) assert.equal(batch.inputIds[k], BigInt(tokenizer.specialIds.pad));
    }
    assert.ok(batch.tokenTypeIds.every((v) => v === 0n));
  });

  test('encodeBatch: pairs, truncation, threads and an empty batch', async () => {
    const pairs = Array.from({ length: 500 }, (_, i) => ['hello '.repeat(i % 17), '中国 world '.repeat(i % 11)]);
    const ref = await referenceTokenizer(vocabs.bert, { maxLength: 16 });
    const expected = await referenceIds(ref, pairs);
    for (const threads of [1, 2, 3]) {
      const batch = await tokenizer.encodeBatch(pairs, { maxLength: 16, threads });
      assert.deepEqual(unpaddedRows(batch), expected);
      const types = await referenceEncodings(ref, pairs.slice(0, 20));
      for (let r = 0; r < 20; r++) {
        const row = Array.from(
          batch.tokenTypeIds.subarray(r * batch.seqLen, r * batch.seqLen + types[r].getLength()),
          Number,
        );
        assert.deepEqual(row, types[r].getTypeIds());
      }
    }
    const empty = await tokenizer.encodeBatch([]);
    assert.equal(empty.batchSize, 0);
    assert.equal(empty.inputIds.length, 0);
    assert.throws(() => tokenizer.encode('a', null, { maxLength: 0 }), RangeError);
    for (const threads of [0, 1.5, 1025]) {
      await assert.rejects(tokenizer.encodeBatch(['a'], { threads }), {
        message: 'NativeWordPieceTokenizer: threads must be an integer in 1..1024',
      });
    }
  });

  test('encodeBatch: texts and pairs mixed in one batch, as Hugging Face tokenizers takes them', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 1 ? 'playing 中国 '.repeat(i % 13) : ['hello '.repeat(i % 7), '中国 world '.repeat(i % 5)],
    );
    inputs.unshift('这家酒店很好', ['问题一', '问题二']);
    const ref = await referenceTokenizer(vocabs.bert, { maxLength: 24 });
    const expected = await referenceEncodings(ref, inputs);
    for (const threads of [1, 2]) {
      const batch = await tokenizer.encodeBatch(inputs, { maxLength: 24, threads });
      assert.equal(batch.batchSize, inputs.length);
      assert.equal(batch.seqLen, Math.max(...expected.map((e) => e.getLength())));
      for (let r = 0; r < inputs.length; r++) {
        const at = (tensor) => Array.from(tensor.subarray(r * batch.seqLen, (r + 1) * batch.seqLen), Number);
        const n = expected[r].getLength();
        const padding = Array(batch.seqLen - n).fill(0);
        assert.deepEqual(
          at(batch.inputIds),
          [...expected[r].getIds(), ...padding.map(() => tokenizer.specialIds.pad)],
          `row ${r}`,
        );
        assert.deepEqual(at(batch.tokenTypeIds), [...expected[r].getTypeIds(), ...padding]);
        assert.deepEqual(at(batch.attentionMask), [...expected[r].getAttentionMask(), ...padding]);
      }
    }
  });

  test('encodeBatch: large batches in memory freed by earlier ones still read padded', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const long = 'hello world 中国 '.repeat(60);
    // Alternately full and mostly short rows, so that reused memory holds ids where the next batch pads.
    for (let round = 0; round < 6; round++) {
      const texts = Array.from({ length: 3000 }, (_, i) => (round % 2 === 0 || i === 0 ? long : `world ${i % 7}`));
      const batch = await tokenizer.encodeBatch(texts);
      assert.ok(batch.inputIds.byteLength * 3 >= 4 << 20, 'large enough for mapped memory');
      const rows = unpaddedRows(batch);
      for (let i = 0; i < texts.length; i += 41) assert.deepEqual(rows[i], tokenizer.encode(texts[i]));
      for (let r = 1; r < batch.batchSize; r += 7) {
        const at = r * batch.seqLen + rows[r].length;
        if (rows[r].length === batch.seqLen) continue;
        assert.equal(batch.attentionMask[at], 0n);
        assert.equal(batch.inputIds[at], BigInt(tokenizer.specialIds.pad));
        assert.equal(batch.tokenTypeIds[batch.seqLen * (r + 1) - 1], 0n);
      }
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  test('concurrent encodeBatch calls share the thread pool and keep their rows', async () => {
    const batches = Array.from({ length: 12 }, (_, b) =>
      Array.from({ length: 300 + b }, (_, i) => `hello ${'中国 '.repeat((i + b) % 9)} world ${i}`),
    );
    const results = await Promise.all(batches.map((texts) => tokenizer.encodeBatch(texts, { threads: 2 })));
    results.forEach((batch, b) => {
      const rows = unpaddedRows(batch);
      for (let i = 0; i < rows.length; i += 37) assert.deepEqual(rows[i], tokenizer.encode(batches[b][i]));
      assert.equal(rows.length, batches[b].length);
    });
  });

  test('ERNIE `token<TAB>id` vocabulary gives the same tokens under its own ids', () => {
    const ernie = WordPieceTokenizer.fromFile(vocabs.ernie);
    const n = vocabs.tokens.length;
    assert.equal(ernie.vocabSize, n);
    assert.equal(ernie.specialIds.cls, n - 1 - 2);
    for (const text of EDGE_CASES) {
      const bertIds = tokenizer.encode(text);
      assert.deepEqual(
        ernie.encode(text),
        bertIds.map((id) => n - 1 - id),
        JSON.stringify(text),
      );
    }
  });

  test('vocabulary errors are InputErrors naming the file', () => {
    const missing = path.join(vocabs.dir, 'nope.txt');
    assert.throws(
      () => WordPieceTokenizer.fromFile(missing),
      (e) => e instanceof InputError && e.message.includes(missing),
    );
    for (const lacking of ['[UNK]', '[CLS]', '[SEP]']) {
      const file = path.join(vocabs.dir, `no-${lacking}.txt`);
      fs.writeFileSync(file, vocabs.tokens.filter((t) => t !== lacking).join('\n') + '\n');
      assert.throws(
        () => WordPieceTokenizer.fromFile(file),
        (e) => e instanceof InputError && e.message.includes(file) && e.message.includes(lacking),
      );
    }
    const bad = path.join(vocabs.dir, 'bad-ernie.txt');
    fs.writeFileSync(bad, '[PAD]\t0\n[UNK]\t1\n[CLS]\t2\n[SEP]\t3\nbroken line\n');
    assert.throws(
      () => WordPieceTokenizer.fromFile(bad),
      (e) => e instanceof InputError && e.message.includes(`${bad}:5`),
    );
    const empty = path.join(vocabs.dir, 'empty.txt');
    fs.writeFileSync(empty, '');
    assert.throws(
      () => WordPieceTokenizer.fromFile(empty),
      (e) => e instanceof InputError && e.message.includes(empty),
    );
  });
});
