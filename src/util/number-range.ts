// One rule for numeric flags: a flag declares its range, and a value outside it is named with that range.

/** Where a numeric flag's values may lie: `min`/`max` inclusive, `above` exclusive; NaN and infinities never. */
export interface NumberRange {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
}

/** What the range asks for, in words: "a positive integer", "an integer from 0 to 65535", "within (0, 1]". */
export function describeRange(range: NumberRange): string {
  const { integer, min, max, above } = range;
  if (integer) {
    const low = above !== undefined ? above + 1 : min;
    if (low !== undefined && max !== undefined) return `an integer from ${low} to ${max}`;
    if (low === 1) return 'a positive integer';
    if (low === 0) return 'a whole number';
    if (low !== undefined) return `an integer of at least ${low}`;
    return max !== undefined ? `an integer of at most ${max}` : 'an integer';
  }
  if (above !== undefined)
    return max !== undefined ? `within (${above}, ${max}]` : above === 0 ? 'a positive number' : `above ${above}`;
  if (min !== undefined && max !== undefined) return `within [${min}, ${max}]`;
  if (min !== undefined) return min === 0 ? 'a number >= 0' : `at least ${min}`;
  return max !== undefined ? `at most ${max}` : 'a finite number';
}

/** Whether `value` lies in the range. */
export function inRange(value: unknown, range: NumberRange): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  if (range.min !== undefined && value < range.min) return false;
  if (range.above !== undefined && value <= range.above) return false;
  return range.max === undefined || value <= range.max;
}

/** The message for a flag's value outside its range ("--port must be an integer from 0 to 65535 (got 70000)"), else null. */
export function numberFlagProblem(flag: string, value: unknown, range: NumberRange): string | null {
  return inRange(value, range) ? null : `--${flag} must be ${describeRange(range)} (got ${String(value)})`;
}

/** Seeds: what the native random generators take (32 bits). */
export const SEED_RANGE: NumberRange = { integer: true, min: 0, max: 4294967295 };
/** Thread counts: what the native pools take. */
export const THREADS_RANGE: NumberRange = { integer: true, min: 1, max: 1024 };
/** Tokens per teacher row: [CLS], a token and [SEP] at least; no BERT/ERNIE teacher has more positions. */
export const MAX_LEN_RANGE: NumberRange = { integer: true, min: 3, max: 8192 };
/** Counts of one or more (batch sizes, rows, requests in flight). */
export const COUNT_RANGE: NumberRange = { integer: true, min: 1 };
