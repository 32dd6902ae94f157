// No command writes its output over one of its inputs: the same file by real path (or a hard link to it) is refused.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { fsReason } from './fs-errors.js';

function identity(file: string): string | null {
  try {
    const stat = fs.statSync(file);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return null; // not there yet: it cannot be an input
  }
}

/**
 * Throws a UsageError when `output` is the same file as one of `inputs` (`{ '--train': 't.tsv' }`);
 * stdin/stdout ('-') and absent entries are skipped.
 */
export function refuseOutputOverInput(
  output: { flag: string; file: string | undefined },
  inputs: Record<string, string | readonly string[] | undefined>,
): void {
  if (output.file === undefined || output.file === '-') return;
  const target = identity(output.file);
  if (target === null) return;
  for (const [flag, value] of Object.entries(inputs)) {
    for (const file of typeof value === 'string' ? [value] : (value ?? [])) {
      if (file === '-' || identity(file) !== target) continue;
      throw new UsageError(
        `${output.flag} ${output.file} is the same file as ${flag} ${file}: it would be overwritten; write the output elsewhere`,
      );
    }
  }
}

/** The nearest folder of `dir` (itself or an ancestor) that exists. */
function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

/**
 * Creates `dir` (and its parents) and checks that files can be written in it; the error names the folder that
 * refuses and why (permission denied, read-only file system, no space left), not a bare error code.
 */
export function ensureWritableFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-check-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    const blocking = nearestExisting(dir);
    let reason = fsReason(err);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      // Recursive mkdir can report ENOENT for a parent it may not write in; name the real cause.
      if (!fs.statSync(blocking).isDirectory()) reason = `${blocking} is not a folder`;
      else {
        try {
          fs.accessSync(blocking, fs.constants.W_OK);
        } catch (denied) {
          reason = `${blocking}: ${fsReason(denied)}`;
        }
      }
    }
    throw new InputError(`the output folder is not writable: ${reason}`, dir);
  }
}
