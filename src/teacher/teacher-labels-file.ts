// --teacher-labels FILE: a teacher's label names, one a line in the order of its logits (a service does not say them).
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { fsReason } from '../data/fs-errors.js';

export function readTeacherLabelsFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the label names (--teacher-labels): ${fsReason(err)}`, file);
  }
  const names = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (names.length === 1 && names[0] === '') throw new InputError('no label names (--teacher-labels)', file);
  names.forEach((name, i) => {
    if (name === '') throw new InputError('an empty label name (--teacher-labels)', file, i + 1);
    if (names.indexOf(name) !== i)
      throw new InputError(`the label name ${name} is given twice (--teacher-labels)`, file, i + 1);
  });
  return names;
}
