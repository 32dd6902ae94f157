// A small random-weight ERNIE teacher over the characters of some texts, with its WordPiece vocabulary: the teacher
// the distillation tests label with.
import fs from 'node:fs';
import path from 'node:path';
import { makeTeacher } from '../dist/index.js';

/** Writes `vocab.txt` (special tokens, then every character of `rows[].text`) and the teacher; returns both paths. */
export function writeCharacterTeacher(dir, rows, teacherName = 'teacher.onnx') {
  const chars = new Set(rows.flatMap((r) => [...r.text]));
  const vocab = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars].join('\n') + '\n');
  const teacher = path.join(dir, teacherName);
  const architecture = { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 128, typeVocabSize: 2 };
  const identity = { labels: 2, style: 'ernie', idType: 'int64', seed: 5 };
  fs.writeFileSync(teacher, makeTeacher({ vocabSize: chars.size + 5, padId: 0, ...architecture, ...identity }));
  return { vocab, teacher };
}
