// Small random-weight ERNIE teachers for the tests: one over a given vocabulary size, and one over the characters of
// some texts with its WordPiece vocabulary (the teacher the distillation tests label with).
import fs from 'node:fs';
import path from 'node:path';
import { makeTeacher } from '../dist/index.js';

/** A one-layer, 16-wide ERNIE classifier with two labels as ONNX bytes; `overrides` change any of its settings. */
export function tinyTeacher(vocabSize, overrides = {}) {
  const architecture = { layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 128, typeVocabSize: 2 };
  const identity = { labels: 2, style: 'ernie', idType: 'int64', seed: 3 };
  return makeTeacher({ vocabSize, padId: 0, ...architecture, ...identity, ...overrides });
}

/** Writes `vocab.txt` (special tokens, then every character of `rows[].text`) and the teacher; returns both paths. */
export function writeCharacterTeacher(dir, rows, teacherName = 'teacher.onnx') {
  const chars = new Set(rows.flatMap((r) => [...r.text]));
  const vocab = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars].join('\n') + '\n');
  const teacher = path.join(dir, teacherName);
  fs.writeFileSync(teacher, tinyTeacher(chars.size + 5, { hidden: 32, intermediate: 64, seed: 5 }));
  return { vocab, teacher };
}
