// `quantize --teacher` as a file job: read, quantize (src/onnx/dynamic-quantize.ts), write atomically.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { quantizeDynamic, type DynamicQuantizeOptions, type DynamicQuantizeResult } from '../onnx/dynamic-quantize.js';

export interface QuantizeTeacherOptions extends Omit<DynamicQuantizeOptions, 'file'> {
  teacher: string;
  out: string;
}

export interface QuantizeTeacherResult extends Omit<DynamicQuantizeResult, 'bytes'> {
  inputBytes: number;
  outputBytes: number;
}

export async function quantizeTeacherFile(options: QuantizeTeacherOptions): Promise<QuantizeTeacherResult> {
  refuseOutputOverInput({ flag: '--out', file: options.out }, { '--teacher': options.teacher });
  let input: Buffer;
  try {
    input = await fs.promises.readFile(options.teacher);
  } catch (err) {
    throw new InputError(
      `cannot read the teacher (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      options.teacher,
    );
  }
  const { bytes, ...result } = quantizeDynamic(input, { ...options, file: options.teacher });
  await writeFileAtomic(options.out, bytes);
  return { ...result, inputBytes: input.length, outputBytes: bytes.length };
}
