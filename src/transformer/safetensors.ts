// Hugging Face's safetensors format: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}} (plus an optional "__metadata__" of strings), then the raw little-endian
// data, offsets counted from the end of the header. F32, F16 and BF16 tensors are read into Float32Array.
import fs from 'node:fs';
import { InputError } from '../errors.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorEntry {
  dtype: string;
  shape: number[];
  /** Byte range inside the data section, [begin, end). */
  begin: number;
  end: number;
}

/** One safetensors file held in memory; tensors are decoded to float32 on request. */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    private readonly data: Buffer,
    readonly entries: ReadonlyMap<string, TensorEntry>,
    readonly metadata: Record<string, string>,
  ) {}

  static read(file: string): SafetensorsFile {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
    }
    return SafetensorsFile.parse(bytes, file);
  }

  static parse(bytes: Buffer, file: string): SafetensorsFile {
    if (bytes.length < 8)
      throw new InputError(`truncated: ${bytes.length} bytes, shorter than the 8-byte header length`, file);
    const headerLength = bytes.readBigUInt64LE(0);
    if (headerLength > BigInt(bytes.length - 8)) {
      throw new InputError(
        `truncated: the header says ${headerLength} bytes of JSON, the file holds ${bytes.length - 8} after the length`,
        file,
      );
    }
    const dataStart = 8 + Number(headerLength);
    let header: unknown;
    try {
      header = JSON.parse(bytes.toString('utf8', 8, dataStart));
    } catch {
      throw new InputError('not a safetensors file (the header is not JSON)', file);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw new InputError('not a safetensors file (the header is not a JSON object)', file);
    const data = bytes.subarray(dataStart);
    const entries = new Map<string, TensorEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = (value ?? {}) as Record<string, string>;
        continue;
      }
      const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const shape = entry?.shape;
      const offsets = entry?.data_offsets;
      const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
      if (
        typeof entry?.dtype !== 'string' ||
        !Array.isArray(shape) ||
        !shape.every(isCount) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every(isCount)
      ) {
        throw new InputError(`the header entry of ${name} is not {dtype, shape, data_offsets}`, file);
      }
      const [begin, end] = offsets as [number, number];
      if (end < begin) throw new InputError(`${name}: data_offsets [${begin}, ${end}] run backwards`, file);
      if (end > data.length)
        throw new InputError(`truncated: ${name} needs data up to byte ${end}, the file holds ${data.length}`, file);
      const size = BYTES_PER_ELEMENT[entry.dtype as SafetensorsDtype];
      if (size !== undefined && end - begin !== size * (shape as number[]).reduce((a, b) => a * b, 1)) {
        throw new InputError(`${name}: ${end - begin} bytes for ${entry.dtype} [${shape.join(', ')}]`, file);
      }
      entries.set(name, { dtype: entry.dtype, shape: shape as number[], begin, end });
    }
    return new SafetensorsFile(file, data, entries, metadata);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The tensor's values as float32 (F16 and BF16 widened exactly). */
  float32(name: string): Float32Array {
    const entry = this.entries.get(name);
    if (!entry) throw new InputError(`missing tensor ${name}`, this.file);
    const raw = this.data.subarray(entry.begin, entry.end);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    // The host is little-endian (x86-64, arm64), like the file: whole-array copies, no per-element reads.
    switch (entry.dtype) {
      case 'F32':
        new Uint8Array(out.buffer).set(raw);
        break;
      case 'F16': {
        const halves = new Uint16Array(count);
        new Uint8Array(halves.buffer).set(raw);
        const table = halfTable();
        for (let i = 0; i < count; i++) out[i] = table[halves[i]!]!;
        break;
      }
      case 'BF16': {
        // A bfloat16 is the upper half of a float32.
        const halves = new Uint16Array(count);
        new Uint8Array(halves.buffer).set(raw);
        const wide = new Uint32Array(out.buffer);
        for (let i = 0; i < count; i++) wide[i] = halves[i]! << 16;
        break;
      }
      default:
        throw new InputError(`${name} is ${entry.dtype}; only F32, F16 and BF16 tensors can be read`, this.file);
    }
    return out;
  }
}

let halfValues: Float32Array | undefined;

/** Every binary16 value as float32, indexed by its bits. */
function halfTable(): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfValues[h] = halfToFloat(h);
  }
  return halfValues;
}

/** IEEE binary16 to a number, subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
