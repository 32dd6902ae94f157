// Temporary files this process made and has not yet renamed or removed: they are removed when the process ends,
// however it ends (an error, process.exit from a signal handler), so no `.tmp` or `.spill` outlives a run.
// A registered folder goes with its contents.
import fs from 'node:fs';

const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const file of live) {
    try {
      fs.rmSync(file, { force: true, recursive: true });
    } catch {
      // Nothing more can be done while exiting.
    }
  }
  live.clear();
}

/** Marks `file` for removal at exit; call `forgetTemporary` once it is renamed into place or removed. */
export function registerTemporary(file: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAll);
  }
  live.add(file);
}

/** Removes every registered temporary file now (a command interrupted by Ctrl-C, on its way out). */
export function removeTemporariesNow(): void {
  removeAll();
}

export function forgetTemporary(file: string): void {
  live.delete(file);
}

/** The temporary files still registered (for tests). */
export function liveTemporaries(): string[] {
  return [...live];
}
