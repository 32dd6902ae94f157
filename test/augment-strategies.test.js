// The three strategies, the POS table, the mixer and the spacing rule, on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../dist/util/random.js';
import { analyzeText, analyzeTextAsync } from '../dist/augment/analyzed-text.js';
import { WordTagCounts } from '../dist/augment/word-tags.js';
import { unkReplace, unkPositions } from '../dist/augment/unk.js';
import { nsample, nsampleSpan } from '../dist/augment/nsample.js';
import { posReplacements, posReplace } from '../dist/augment/pos-replace.js';
import { PosTable } from '../dist/augment/pos-table.js';
import { StrategyMixer } from '../dist/augment/mixer.js';
import { joinWords, layoutWords, spacesBetween } from '../dist/augment/word-spacing.js';
import { chosenPositions } from '../dist/augment/chosen-positions.js';
import { parseMix, resolveAugmentOptions } from '../dist/augment/options.js';
import { tagWords } from '../dist/data/segmenter.js';
import { makeTexts, sentences } from './augment-helpers.js';

const tagged = { tag: true, hmm: false, unkToken: '[UNK]' };

test('words rejoin without spaces between Chinese words and with one between Latin/digit words', () => {
  const text = analyzeText('我的 iPhone 5 很好 用，battery life 一般', tagged);
  assert.equal(text.joined, '我的iPhone 5很好用，battery life一般');
  assert.deepEqual([...spacesBetween(['hello', 'world', '好', 'ok', '，', 'x'])], [0, 1, 0, 0, 0, 0]);
  for (const t of makeTexts(30)) {
    const { words, joined, starts } = analyzeText(t, tagged);
    assert.equal(joined, joinWords(words, spacesBetween(words)));
    assert.deepEqual(layoutWords(words).starts, starts);
    words.forEach((word, i) => assert.equal(joined.slice(starts[i], starts[i] + word.length), word));
  }
});

test('chosen positions: each position with probability p, ascending, in range', () => {
  const random = new SeededRandom(8);
  for (const p of [0.05, 0.3, 0.9]) {
    const hits = new Float64Array(10);
    const trials = 20000;
    for (let t = 0; t < trials; t++) {
      const chosen = chosenPositions(10, p, random);
      chosen.forEach((i, k) => {
        assert.ok(i >= 0 && i < 10 && (k === 0 || i > chosen[k - 1]));
        hits[i]++;
      });
    }
    for (const h of hits) assert.ok(Math.abs(h / trials - p) < 0.015, `p ${p}: ${h / trials}`);
  }
  assert.deepEqual(chosenPositions(4, 0, random), []);
  assert.deepEqual(chosenPositions(4, 1, random), [0, 1, 2, 3]);
});

test("cutting on the thread pool with per-word tags gives jieba's line tags, and counts them", async () => {
  const texts = [...makeTexts(200, 3), '房间[UNK]干净，[UNK]', '[UNK]', 'AT&T 的 T恤 15.4寸', '他说：“好！”   ok'];
  const counts = new WordTagCounts(false);
  const expected = new PosTable();
  for (const t of texts) {
    const sync = analyzeText(t, tagged);
    const async = await analyzeTextAsync(t, tagged, counts);
    assert.deepEqual(async.words, sync.words, t);
    assert.deepEqual(async.tags, sync.tags, t);
    assert.equal(async.joined, sync.joined);
    sync.words.forEach((word, i) => expected.add(word, sync.tags[i]));
  }
  const table = counts.toPosTable();
  table.freeze();
  expected.freeze();
  assert.deepEqual(table.entries(), expected.entries());
  const untagged = await analyzeTextAsync(texts[0], { ...tagged, tag: false }, null);
  assert.equal(untagged.tags, null);
  assert.deepEqual(untagged.words, analyzeText(texts[0], tagged).words);
});

test('a literal [UNK] in the input stays one word', () => {
  const text = analyzeText('房间[UNK]干净', tagged);
  assert.ok(text.words.includes('[UNK]'));
  assert.equal(text.words.join(''), '房间[UNK]干净');
});

test('unk replaces each word with probability p (rate within tolerance)', () => {
  const random = new SeededRandom(5);
  let words = 0;
  let unks = 0;
  for (const t of makeTexts(400)) {
    const text = analyzeText(t, tagged);
    const positions = unkPositions(text, 0.2, random);
    const out = unkReplace(text, 0.2, '[UNK]', new SeededRandom(positions.length));
    assert.equal(out.split('[UNK]').length - 1, unkPositions(text, 0.2, new SeededRandom(positions.length)).length);
    words += text.words.length;
    unks += positions.length;
  }
  assert.ok(words > 5000, `only ${words} words`);
  assert.ok(Math.abs(unks / words - 0.2) < 0.015, `[UNK] rate ${unks / words}`);
  // p = 0 and p = 1 are exact.
  const text = analyzeText(sentences[0], tagged);
  assert.equal(unkReplace(text, 0, '[UNK]', random), text.joined);
  assert.equal(unkReplace(text, 1, '[UNK]', random), '[UNK]'.repeat(text.words.length));
});

test('an [UNK] keeps the spacing of the Latin word it replaced', () => {
  const text = analyzeText('battery life', tagged);
  assert.equal(unkReplace(text, 1, '[UNK]', new SeededRandom(1)), '[UNK] [UNK]');
});

test('nsample spans are contiguous, at least one word, every length possible', () => {
  const random = new SeededRandom(9);
  const lengths = new Map();
  for (let i = 0; i < 5000; i++) {
    const { start, end } = nsampleSpan(6, random);
    assert.ok(start >= 0 && end <= 6 && end - start >= 1, `${start}..${end}`);
    lengths.set(end - start, (lengths.get(end - start) ?? 0) + 1);
  }
  for (let n = 1; n <= 6; n++) assert.ok(lengths.get(n) > 5000 / 6 / 1.3, `length ${n}: ${lengths.get(n)}`);
  assert.deepEqual(nsampleSpan(1, random), { start: 0, end: 1 });
  for (const t of makeTexts(50)) {
    const text = analyzeText(t, tagged);
    const out = nsample(text, random);
    const spaces = spacesBetween(text.words);
    let found = false;
    for (let s = 0; s < text.words.length && !found; s++) {
      for (let e = s + 1; e <= text.words.length && !found; e++) found = joinWords(text.words, spaces, s, e) === out;
    }
    assert.ok(found, `${out} is not a span of ${text.words.join('|')}`);
  }
});

function tableOf(texts) {
  const table = new PosTable();
  for (const text of texts) text.words.forEach((word, i) => table.add(word, text.tags[i]));
  table.freeze();
  return table;
}

test('pos replaces a word by another word seen with the same tag', () => {
  const texts = makeTexts(300).map((t) => analyzeText(t, tagged));
  const table = tableOf(texts);
  const random = new SeededRandom(3);
  let replaced = 0;
  let retagged = 0;
  for (const text of texts.slice(0, 150)) {
    const { positions, replacements } = posReplacements(text, 0.5, table, random);
    const out = text.words.slice();
    positions.forEach((i, k) => (out[i] = replacements[k]));
    out.forEach((word, i) => {
      if (word === text.words[i]) return;
      replaced++;
      const tag = text.tags[i];
      assert.ok(table.count(word, tag) > 0, `${text.words[i]}/${tag} -> ${word}, never seen as ${tag}`);
      // Re-tag check: jieba's tag of the new word on its own is the replaced word's tag.
      const alone = tagWords(word);
      if (alone.length === 1) {
        retagged++;
        assert.equal(alone[0].tag, tag, `${text.words[i]}/${tag} -> ${word}/${alone[0].tag}`);
      }
    });
  }
  assert.ok(replaced > 300, `only ${replaced} replacements`);
  assert.ok(retagged > replaced / 2, `only ${retagged} of ${replaced} re-tagged`);
  const text = texts[0];
  assert.equal(posReplace(text, 0, table, random), text.joined);
  // The written text is the words with the replacements, spaced as the originals were.
  const r1 = new SeededRandom(77);
  const r2 = new SeededRandom(77);
  const { positions, replacements } = posReplacements(text, 0.5, table, r1);
  const words = text.words.slice();
  positions.forEach((i, k) => (words[i] = replacements[k]));
  assert.equal(posReplace(text, 0.5, table, r2), joinWords(words, spacesBetween(text.words)));
});

test("the POS table draws other words by frequency, and keeps a tag's only word", () => {
  const table = new PosTable();
  for (let i = 0; i < 30; i++) table.add('好', 'a');
  for (let i = 0; i < 10; i++) table.add('差', 'a');
  table.add('贵', 'a');
  table.add('的', 'uj');
  table.freeze();
  const random = new SeededRandom(11);
  const drawn = new Map();
  for (let i = 0; i < 11000; i++) {
    const word = table.drawOther('贵', 'a', random);
    drawn.set(word, (drawn.get(word) ?? 0) + 1);
  }
  assert.equal(drawn.get('贵'), undefined);
  assert.ok(Math.abs(drawn.get('好') / 11000 - 0.75) < 0.02, `好 ${drawn.get('好')}`);
  for (let i = 0; i < 100; i++) assert.notEqual(table.drawOther('好', 'a', random), '好');
  assert.equal(table.drawOther('的', 'uj', random), '的');
  assert.equal(table.drawOther('x', 'unknown-tag', random), 'x');
});

test('the POS table does not depend on the order its counts arrive in', () => {
  const a = new PosTable();
  const b = new PosTable();
  a.merge([['n', ['房间', '酒店'], [2, 3]]]);
  a.merge([['n', ['早餐'], [1]]]);
  b.merge([['n', ['早餐', '酒店'], [1, 3]]]);
  b.merge([['n', ['房间'], [2]]]);
  a.freeze();
  b.freeze();
  const ra = new SeededRandom(2);
  const rb = new SeededRandom(2);
  for (let i = 0; i < 50; i++) assert.equal(a.drawOther('早餐', 'n', ra), b.drawOther('早餐', 'n', rb));
});

test('the mixer follows the weights and draws nothing for a single strategy', () => {
  const mixer = new StrategyMixer({ unk: 1, pos: 0, nsample: 3 });
  const random = new SeededRandom(4);
  const counts = { unk: 0, pos: 0, nsample: 0 };
  for (let i = 0; i < 8000; i++) counts[mixer.pick(random)]++;
  assert.equal(counts.pos, 0);
  assert.ok(Math.abs(counts.unk / 8000 - 0.25) < 0.02, JSON.stringify(counts));
  const single = new StrategyMixer({ unk: 0, pos: 0, nsample: 1 });
  const r1 = new SeededRandom(1);
  assert.equal(single.pick(r1), 'nsample');
  assert.equal(r1.nextUint32(), new SeededRandom(1).nextUint32());
});

test('options: defaults, strategy selection, and flag errors that name the flag', () => {
  const base = { input: 'in.tsv', output: 'out.tsv', threads: 1 };
  const all = resolveAugmentOptions(base);
  assert.deepEqual(all.weights, { unk: 1, pos: 1, nsample: 1 });
  assert.equal(all.times, 10);
  assert.equal(all.unk, 0.1);
  assert.equal(all.posReplace, 0.1);
  assert.deepEqual(resolveAugmentOptions({ ...base, nsample: true }).weights, { unk: 0, pos: 0, nsample: 1 });
  assert.deepEqual(resolveAugmentOptions({ ...base, unk: 0.3, posReplace: 0.2 }).weights, {
    unk: 1,
    pos: 1,
    nsample: 0,
  });
  assert.deepEqual(resolveAugmentOptions({ ...base, mix: 'unk=2, nsample=1' }).weights, { unk: 2, pos: 0, nsample: 1 });
  assert.deepEqual(parseMix({ pos: 2 }), { unk: 0, pos: 2, nsample: 0 });
  const usage = (options, flag) =>
    assert.throws(
      () => resolveAugmentOptions({ ...base, ...options }),
      (err) => err.name === 'UsageError' && err.message.includes(flag),
    );
  usage({ unk: 2 }, '--unk');
  usage({ posReplace: -0.1 }, '--pos-replace');
  usage({ posReplace: NaN }, '--pos-replace');
  usage({ mix: 'bogus=1' }, '--mix');
  usage({ mix: 'unk' }, '--mix');
  usage({ mix: 'unk=-1' }, '--mix');
  usage({ mix: 'unk=0' }, '--mix');
  usage({ nsample: true, mix: 'unk=1' }, '--mix');
  usage({ times: 1.5 }, '--times');
  usage({ times: 0 }, '--times');
  usage({ seed: 1.5 }, '--seed');
  usage({ threads: 0 }, '--threads');
});

test('fillUniform draws the same numbers as nextUint32 one by one, and leaves the generator where they would', () => {
  const fast = new SeededRandom(7);
  const slow = new SeededRandom(7);
  const limit = 0.25;
  const filled = fast.fillUniform(new Float32Array(10_007), limit);
  const expected = Float32Array.from(filled, () => slow.nextUint32() * ((2 * limit) / 4294967296) - limit);
  assert.deepEqual(filled, expected);
  assert.equal(fast.nextUint32(), slow.nextUint32());
  assert.ok(filled.every((v) => v >= -limit && v < limit));
});
