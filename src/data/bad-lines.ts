// The policy for malformed rows: an error naming file:line, or, with --skip-bad-lines, a count.
import { InputError } from '../errors.js';

export class BadLinePolicy {
  skipped = 0;
  /** The first skipped row's error, to show the user what kind of rows were dropped. */
  firstSkipped: InputError | null = null;

  constructor(readonly skipBadLines: boolean) {}

  /** Throws the error, or counts it when bad lines are skipped. */
  reject(message: string, file: string, line: number): void {
    const err = new InputError(message, file, line);
    if (!this.skipBadLines) throw err;
    this.skipped++;
    this.firstSkipped ??= err;
  }
}
