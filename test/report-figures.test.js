// The report's pictures: valid standalone SVG whose points, log-axis ticks and lines sit where the figures say;
// the ERNIE-base timing and its skip option; and a headless-Chromium screenshot where a browser is installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeCharacterTeacher } from './teacher-fixtures.js';
import { countParameters } from '../dist/index.js';
import { distill } from '../dist/distill/pipeline.js';
import { demoRows, demoLabeledTsv, demoTextLines } from '../dist/distill/demo-data.js';
import { reportFigures, modelNames, MODEL_STYLE } from '../dist/distill/report-figures.js';
import { renderReport, writeReport } from '../dist/distill/report.js';
import { measureErnieBaseSpeed } from '../dist/distill/ernie-base-speed.js';
import { parseXml, findAll, hasClass, textOf, decodePng, countColor } from './svg-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;

before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-figures-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const epochs = (accuracies, ratios) =>
  accuracies.map((a, i) => ({ epoch: i + 1, dev_accuracy: a, dev_pos_neg_ratio: ratios ? ratios[i] : null }));

/** metrics.json as distill writes it, with the figures the pictures read. */
function fixtureMetrics({ pairs = false, ernieBase = true } = {}) {
  const speed = {
    sentences: 256,
    teacherSentencesPerSecond: 9000,
    teacherMicrosecondsPerSentence: 111.1,
    studentMicrosecondsPerSentence: 20,
    studentSentencesPerSecond: 50000,
    speedup: 5.56,
    cores: 2,
    cpu: 'Test CPU',
  };
  return {
    teacher_accuracy: 0.92,
    teacher_macro_f1: 0.919,
    baseline_accuracy: 0.73,
    baseline_macro_f1: 0.72,
    student_accuracy: 0.84,
    student_macro_f1: 0.83,
    teacher_pos_neg_ratio: pairs ? 3.2 : null,
    baseline_pos_neg_ratio: pairs ? 2.1 : null,
    student_pos_neg_ratio: pairs ? 2.6 : null,
    speedup: speed.speedup,
    speed,
    speedup_vs_ernie_base: ernieBase ? 200000 / 20 : null,
    ernie_base_speed: ernieBase
      ? {
          source: 'ERNIE-base-size graph',
          layers: 12,
          hidden: 768,
          parameters: 102_000_000,
          vocab: 'chars',
          sentences: 32,
          maxLength: 128,
          device: 'cpu',
          teacherSentencesPerSecond: 5,
          teacherMicrosecondsPerSentence: 200000,
        }
      : null,
    dev_by_epoch: {
      baseline: epochs([0.69, 0.7, 0.72, 0.73], pairs ? [1.6, 1.8, 2.0, 2.1] : null),
      student: epochs([0.74, 0.79, 0.82, 0.84], pairs ? [1.9, 2.2, 2.5, 2.6] : null),
    },
    teacher: { source: 'teacher.onnx', device: 'cpu', trained: 'lstm', online: false },
    student: {
      kind: 'bow',
      pair: pairs,
      ngrams: 2,
      segmenter: 'jieba',
      vocab_size: 1000,
      best_epoch: 4,
      tokens_per_second: 1e6,
      device: 'cpu',
    },
    data: {
      train_rows: 2000,
      dev_rows: 1000,
      augmented_rows: 8000,
      unlabeled_rows: 20000,
      teacher_labeled_rows: 28000,
      labels: ['0', '1'],
    },
    cache: { labels_reused: 0, labels_made: 2 },
    timings: { train_seconds: 3.2, speed_seconds: 1.1, speed_ernie_base_seconds: 9.5, total_seconds: 40 },
  };
}

const figure = (m, file) => {
  const f = reportFigures(m).find((x) => x.file === file);
  assert.ok(f, `${file} is drawn`);
  return parseXml(f.svg);
};

/** The standalone-SVG contract, and the viewBox as numbers. */
function checkStandalone(svg) {
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const [x, y, w, h] = svg.attrs.viewBox.split(/\s+/).map(Number);
  assert.deepEqual([x, y], [0, 0]);
  assert.ok(w >= 600 && w <= 900 && h >= 300 && h <= 600, `viewBox ${svg.attrs.viewBox} suits README width`);
  assert.equal(Number(svg.attrs.width), w);
  assert.equal(Number(svg.attrs.height), h);
  assert.ok(findAll(svg, (e) => e.name === 'title').length === 1, 'a <title> for screen readers');
  return { w, h };
}

const plotArea = (panel) => {
  const r = findAll(panel, hasClass('plot-area'))[0];
  return {
    x0: Number(r.attrs.x),
    y1: Number(r.attrs.y),
    x1: Number(r.attrs.x) + Number(r.attrs.width),
    y0: Number(r.attrs.y) + Number(r.attrs.height),
  };
};

test('accuracy against speed: one point per model inside the plot, a log x axis whose ticks place them, ERNIE-base as a speed-only line', () => {
  const m = fixtureMetrics();
  const svg = figure(m, 'accuracy-vs-speed.svg');
  const { w, h } = checkStandalone(svg);
  const names = modelNames(m);
  const area = plotArea(svg);
  assert.ok(area.x0 >= 0 && area.x1 <= w && area.y1 >= 0 && area.y0 <= h);

  const series = findAll(svg, hasClass('series'));
  assert.deepEqual(
    series.map((s) => s.attrs['data-series']).sort(),
    [names.teacher, names.baseline, names.student].sort(),
  );
  const point = {};
  for (const s of series) {
    const points = findAll(s, hasClass('point'));
    assert.equal(points.length, 1, `one point for ${s.attrs['data-series']}`);
    const p = {
      x: Number(points[0].attrs['data-x']),
      y: Number(points[0].attrs['data-y']),
      cx: Number(points[0].attrs['data-cx']),
      cy: Number(points[0].attrs['data-cy']),
    };
    assert.ok(
      p.cx >= area.x0 && p.cx <= area.x1 && p.cy >= area.y1 && p.cy <= area.y0,
      `${s.attrs['data-series']} inside the plot: ${JSON.stringify(p)}`,
    );
    point[s.attrs['data-series']] = p;
  }
  assert.equal(point[names.teacher].x, 9000);
  assert.equal(point[names.student].x, 50000);
  assert.equal(point[names.student].y, 84);
  // Higher accuracy is higher up: teacher, then distilled, then baseline.
  assert.ok(point[names.teacher].cy < point[names.student].cy && point[names.student].cy < point[names.baseline].cy);

  // Log axis: ticks at whole decades covering every model, evenly spaced, and points placed by log10.
  const ticks = findAll(svg, (e) => hasClass('tick')(e) && e.attrs.class.includes('x')).map((t) => ({
    v: Number(t.attrs['data-value']),
    px: Number(t.children[0].attrs.x1),
    label: textOf(t),
  }));
  assert.deepEqual(
    ticks.map((t) => t.v),
    [1, 10, 100, 1000, 10000, 100000],
  );
  assert.deepEqual(
    ticks.map((t) => t.label),
    ['1', '10', '100', '1k', '10k', '100k'],
  );
  const decade = ticks[1].px - ticks[0].px;
  ticks.forEach((t, i) => assert.ok(Math.abs(t.px - (ticks[0].px + i * decade)) < 0.2, `tick ${t.v} at ${t.px}`));
  for (const p of Object.values(point))
    assert.ok(Math.abs(p.cx - (ticks[0].px + Math.log10(p.x) * decade)) < 0.5, `x ${p.x} at ${p.cx}`);
  assert.match(
    textOf(findAll(svg, (e) => hasClass('axis-label')(e) && e.attrs.class.includes('x'))[0]),
    /per second .*log scale/,
  );

  // ERNIE-base: known by speed only, so a line at its speed with the accuracy said to be unmeasured, not a point.
  const refs = findAll(svg, (e) => hasClass('reference')(e) && e.attrs.class.includes('x'));
  assert.equal(refs.length, 1);
  assert.equal(Number(refs[0].attrs['data-value']), 5);
  assert.ok(Math.abs(Number(refs[0].children[0].attrs.x1) - (ticks[0].px + Math.log10(5) * decade)) < 0.5);
  assert.match(textOf(refs[0]), /accuracy not measured/);
  assert.equal(findAll(svg, hasClass('span'))[0].attrs['data-label'], '10,000× faster than ERNIE-base');
  const legend = findAll(svg, hasClass('legend-item')).map((e) => e.attrs['data-series']);
  assert.deepEqual(legend, [names.teacher, names.baseline, names.student, 'ERNIE-base-size teacher (speed only)']);
});

test('dev accuracy per epoch: one line per student through every epoch, the teacher as a level; pairs add the order ratio', () => {
  const svg = figure(fixtureMetrics(), 'dev-accuracy-by-epoch.svg');
  checkStandalone(svg);
  const lines = findAll(svg, (e) => e.name === 'polyline');
  assert.equal(lines.length, 2);
  for (const line of lines) {
    const xs = line.attrs.points.split(' ').map((p) => Number(p.split(',')[0]));
    assert.equal(xs.length, 4);
    assert.ok(
      xs.every((x, i) => i === 0 || x > xs[i - 1]),
      'epochs left to right',
    );
  }
  assert.deepEqual(
    findAll(svg, (e) => hasClass('tick')(e) && e.attrs.class.includes('x')).map((t) => Number(t.attrs['data-value'])),
    [1, 2, 3, 4],
  );
  const teacher = findAll(svg, (e) => hasClass('reference')(e) && e.attrs.class.includes('y'));
  assert.equal(teacher.length, 1);
  assert.equal(Number(teacher[0].attrs['data-value']), 92);
  const area = plotArea(svg);
  for (const p of findAll(svg, hasClass('point')))
    assert.ok(Number(p.attrs['data-cy']) >= area.y1 && Number(p.attrs['data-cy']) <= area.y0);

  const pairs = figure(fixtureMetrics({ pairs: true }), 'dev-accuracy-by-epoch.svg');
  checkStandalone(pairs);
  const panels = findAll(pairs, hasClass('panel'));
  assert.equal(panels.length, 2);
  assert.equal(textOf(findAll(panels[1], hasClass('panel-title'))[0]), 'positive/negative order ratio');
  const ratios = findAll(panels[1], hasClass('point')).map((p) => Number(p.attrs['data-y']));
  assert.deepEqual(ratios, [1.6, 1.8, 2.0, 2.1, 1.9, 2.2, 2.5, 2.6]);
  assert.equal(Number(findAll(panels[1], hasClass('reference'))[0].attrs['data-value']), 3.2);
  assert.equal(findAll(panels[1], hasClass('note')).length, 0);

  // An epoch without a ratio (nothing discordant) breaks the line instead of bridging it, and the panel says why.
  const gappy = fixtureMetrics({ pairs: true });
  gappy.dev_by_epoch.student[2].dev_pos_neg_ratio = null;
  const ratioPanel = findAll(figure(gappy, 'dev-accuracy-by-epoch.svg'), hasClass('panel'))[1];
  const student = findAll(
    ratioPanel,
    (e) => hasClass('series')(e) && e.attrs['data-series'] === modelNames(gappy).student,
  )[0];
  assert.deepEqual(
    findAll(student, (e) => e.name === 'polyline').map((l) => l.attrs.points.split(' ').length),
    [2],
  );
  assert.deepEqual(
    findAll(student, hasClass('point')).map((p) => Number(p.attrs['data-x'])),
    [1, 2, 4],
  );
  assert.match(textOf(findAll(ratioPanel, hasClass('note'))[0]), /no discordant pair/);
});

test('report.md shows both speed-ups and links the pictures written beside it; a skipped ERNIE-base timing says so', async () => {
  const out = path.join(dir, 'report');
  fs.mkdirSync(out);
  const written = await writeReport(out, fixtureMetrics(), { train: 'train.tsv', dev: 'dev.tsv' });
  assert.deepEqual(written.figures.map((f) => path.basename(f)).sort(), [
    'accuracy-vs-speed.svg',
    'dev-accuracy-by-epoch.svg',
  ]);
  const report = fs.readFileSync(written.report, 'utf8');
  for (const f of written.figures) {
    assert.ok(report.includes(`](${path.basename(f)})`), `report links ${path.basename(f)}`);
    parseXml(fs.readFileSync(f, 'utf8'));
  }
  assert.match(report, /\*\*Speed-up: 5\.6× against the teacher used\*\*/);
  assert.match(
    report,
    /\*\*Speed-up: 10,000× against an ERNIE-base-size teacher\*\*.*32 of the dev sentences; measuring it added 9\.5 s/,
  );
  assert.match(
    report,
    /\| ERNIE-base-size teacher \(12 layers × 768, 102M weights, random\).* \| 200\.00 ms \| 5\.0 \|/,
  );

  const skipped = renderReport(fixtureMetrics({ ernieBase: false }), { train: 'train.tsv', dev: 'dev.tsv' });
  assert.match(
    skipped,
    /speed-up against an ERNIE-base-size teacher was not measured \(skipped with `--no-ernie-base-speedup`/,
  );
  assert.doesNotMatch(skipped, /\| ERNIE-base-size teacher/);
  const noErnie = figure(fixtureMetrics({ ernieBase: false }), 'accuracy-vs-speed.svg');
  assert.equal(findAll(noErnie, hasClass('reference')).length, 0);
  assert.equal(findAll(noErnie, hasClass('span'))[0].attrs['data-label'], '5.6× faster than the teacher');
});

test('measureErnieBaseSpeed times a make-teacher graph on the texts at the max length, and leaves no temp folder', async () => {
  const leftovers = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('ernie-slim-ernie-base-'));
  const before = leftovers();
  const texts = demoRows(40, 21).map((r) => r.text);
  const small = { layers: 1, hidden: 32, heads: 2, intermediate: 64 };
  const timed = await measureErnieBaseSpeed(texts, { maxLength: 64, threads: 1, architecture: small });
  assert.equal(timed.sentences, 32);
  assert.equal(timed.maxLength, 64);
  assert.equal(timed.layers, 1);
  assert.equal(timed.device, 'cpu');
  assert.equal(
    timed.parameters,
    countParameters({ ...small, vocabSize: 21128, maxPositions: 512, typeVocabSize: 2, labels: 2 }),
  );
  assert.ok(
    timed.teacherMicrosecondsPerSentence > 0 &&
      Math.abs(timed.teacherSentencesPerSecond * timed.teacherMicrosecondsPerSentence - 1e6) < 1,
  );
  const pairs = await measureErnieBaseSpeed(
    texts.map((t, i) => [t, texts[(i + 1) % texts.length]]),
    { threads: 1, sentences: 8, architecture: small },
  );
  assert.equal(pairs.sentences, 8);
  assert.deepEqual(leftovers(), before);
});

test('distill gathers dev accuracy per epoch, writes the pictures, and --no-ernie-base-speedup leaves the ERNIE-base figures null', async () => {
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const [train, dev, unlabeled] = [demoRows(200, 31), demoRows(120, 32), demoRows(200, 33)];
  const { vocab, teacher } = writeCharacterTeacher(dir, [...train, ...dev, ...unlabeled]);
  const result = await distill({
    teacher: [teacher],
    vocab,
    train: write('train.tsv', demoLabeledTsv(train)),
    dev: write('dev.tsv', demoLabeledTsv(dev)),
    unlabeled: write('unlabeled.txt', demoTextLines(unlabeled)),
    augmentTimes: 1,
    epochs: 3,
    threads: 1,
    seed: 2,
    ernieBaseSpeedup: false,
    out: path.join(dir, 'distill'),
  });
  const m = JSON.parse(fs.readFileSync(result.files.metrics, 'utf8'));
  assert.equal(m.speedup_vs_ernie_base, null);
  assert.equal(m.ernie_base_speed, null);
  assert.equal(m.timings.speed_ernie_base_seconds, undefined);
  assert.deepEqual(
    m.dev_by_epoch.baseline.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.deepEqual(
    m.dev_by_epoch.student.map((e) => e.epoch),
    [1, 2, 3],
  );
  // The kept epoch is the best one, so the reported accuracy is the best of the curve.
  assert.equal(m.student_accuracy, Math.max(...m.dev_by_epoch.student.map((e) => e.dev_accuracy)));
  assert.equal(m.baseline_accuracy, Math.max(...m.dev_by_epoch.baseline.map((e) => e.dev_accuracy)));
  assert.equal(result.files.figures.length, 2);
  for (const f of result.files.figures) checkStandalone(parseXml(fs.readFileSync(f, 'utf8')));
  const report = fs.readFileSync(result.files.report, 'utf8');
  assert.match(report, /!\[[^\]]+\]\(accuracy-vs-speed\.svg\)/);
  assert.match(report, /!\[[^\]]+\]\(dev-accuracy-by-epoch\.svg\)/);

  const help = spawnSync(process.execPath, [cli, 'distill', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--ernie-base-speedup/);
});

test('the pictures render in headless Chromium with every model visible', { timeout: 180_000 }, (t) => {
  const which = spawnSync('which', ['chromium'], { encoding: 'utf8' });
  if (which.status !== 0) {
    t.skip('no chromium on PATH (apt-get install chromium); the SVG structure tests above still ran');
    return;
  }
  const out = path.join(dir, 'screens');
  fs.mkdirSync(out);
  const pictures = [
    {
      ...reportFigures(fixtureMetrics()).find((f) => f.file === 'accuracy-vs-speed.svg'),
      models: ['teacher', 'ernieBase', 'baseline', 'student'],
    },
    {
      ...reportFigures(fixtureMetrics({ pairs: true })).find((f) => f.file === 'dev-accuracy-by-epoch.svg'),
      models: ['teacher', 'baseline', 'student'],
    },
  ];
  for (const f of pictures) {
    const svgFile = path.join(out, f.file);
    fs.writeFileSync(svgFile, f.svg);
    const { w, h } = checkStandalone(parseXml(f.svg));
    const png = path.join(out, f.file.replace(/\.svg$/, '.png'));
    const r = spawnSync(
      which.stdout.trim(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${path.join(out, 'profile')}`,
        `--window-size=${w},${h}`,
        `--screenshot=${png}`,
        `file://${svgFile}`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.ok(fs.existsSync(png), `chromium wrote no screenshot (status ${r.status}): ${r.stderr.slice(-500)}`);
    const image = decodePng(fs.readFileSync(png));
    assert.equal(image.width, w);
    // Each model's colour shows (its marker, line or label), and so does dark text.
    for (const model of f.models) {
      const { color } = MODEL_STYLE[model];
      assert.ok(
        countColor(image, color) >= 30,
        `${f.file}: ${model} (${color}) drawn, ${countColor(image, color)} pixels`,
      );
    }
    assert.ok(countColor(image, '#1f2328', 60) >= 200, `${f.file}: dark text drawn`);
    assert.ok(countColor(image, '#ffffff', 0) < image.width * image.height * 0.97, `${f.file}: not blank`);
  }
});
