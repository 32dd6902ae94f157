// --quantize-teacher: each ONNX teacher quantized to int8 once, kept in the cache folder beside the labels.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { quantizeTeacherFile } from '../teacher/quantize-teacher-file.js';
import { cacheKey, fileDigest } from './file-digest.js';

/** What the report and metrics.json say about the int8 teacher. */
export interface Int8TeacherSummary {
  /** The fp32 teachers given, and their int8 copies. */
  sources: string[];
  files: string[];
  weights: number;
  perChannel: boolean;
  reduceRange: boolean;
}

/** The int8 copies of the given ONNX teachers (made, or reused from the cache). */
export async function int8Teachers(
  sources: readonly string[],
  cacheDir: string,
  say: (line: string) => void,
): Promise<Int8TeacherSummary> {
  if (sources.some((s) => /^https?:\/\//.test(s)))
    throw new UsageError('--quantize-teacher needs ONNX teacher files (a teacher service runs the model it was given)');
  // Per-channel scales: closest to fp32 at the same speed; 7-bit weights only where the u8 x s8 kernels can saturate.
  const perChannel = true;
  const reduceRange = cpuMaySaturate();
  const files: string[] = [];
  let weights = 0;
  for (const source of sources) {
    const file = path.join(
      cacheDir,
      `teacher-int8-${cacheKey([await fileDigest(source), perChannel, reduceRange])}.onnx`,
    );
    if (fs.existsSync(file)) {
      say(`step 1: int8 teacher reused from ${path.relative(process.cwd(), file)}`);
      weights += Number(fs.readFileSync(`${file}.weights`, 'utf8'));
    } else {
      const r = await quantizeTeacherFile({ teacher: source, out: file, perChannel, reduceRange });
      fs.writeFileSync(`${file}.weights`, String(r.layers.length));
      weights += r.layers.length;
      say(
        `step 1: ${source} quantized to int8: ${r.layers.length} weights, ${(r.inputBytes / 1e6).toFixed(1)} MB -> ${(r.outputBytes / 1e6).toFixed(1)} MB`,
      );
    }
    files.push(file);
  }
  return { sources: [...sources], files, weights, perChannel, reduceRange };
}

/** AVX2 without VNNI adds u8 x s8 products in 16 bits (Linux tells; elsewhere full-range weights are kept). */
function cpuMaySaturate(): boolean {
  if (process.arch !== 'x64' || process.platform !== 'linux') return false;
  try {
    const flags = new Set(
      (/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/),
    );
    return flags.has('avx2') && !flags.has('avx512_vnni') && !flags.has('avx_vnni');
  } catch {
    return false;
  }
}
