// `make-teacher` as a file job: argument checks, the vocabulary's size, an atomic write.
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { WordPieceTokenizer } from '../tokenizer/index.js';
import { countParameters, makeTeacher, type TeacherArchitecture, type TeacherStyle } from './make-teacher.js';

export interface MakeTeacherOptions {
  vocab: string;
  out: string;
  layers?: number;
  hidden?: number;
  heads?: number;
  intermediate?: number;
  maxPositions?: number;
  labels?: number;
  style?: TeacherStyle;
  idType?: 'int64' | 'int32';
  seed?: number;
}

export async function makeTeacherFile(
  options: MakeTeacherOptions,
): Promise<{ parameters: number; architecture: TeacherArchitecture }> {
  const positive = (flag: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${flag} must be a positive integer (got ${value})`);
    return v;
  };
  const hidden = positive('hidden', options.hidden, 768);
  const heads = positive('heads', options.heads, 12);
  if (hidden % heads !== 0) throw new UsageError(`--hidden ${hidden} must be a multiple of --heads ${heads}`);
  const tokenizer = WordPieceTokenizer.fromFile(options.vocab);
  const architecture: TeacherArchitecture = {
    vocabSize: tokenizer.vocabSize,
    padId: Math.max(0, tokenizer.specialIds.pad),
    layers: positive('layers', options.layers, 12),
    hidden,
    heads,
    intermediate: positive('intermediate', options.intermediate, 4 * hidden),
    maxPositions: positive('max-positions', options.maxPositions, 512),
    typeVocabSize: 2,
    labels: positive('labels', options.labels, 2),
    style: options.style ?? 'ernie',
    idType: options.idType ?? 'int64',
    seed: options.seed ?? 1,
  };
  if (architecture.labels < 2) throw new UsageError('--labels must be at least 2');
  refuseOutputOverInput({ flag: '--out', file: options.out }, { '--vocab': options.vocab });
  await writeFileAtomic(options.out, makeTeacher(architecture));
  return { parameters: countParameters(architecture), architecture };
}
