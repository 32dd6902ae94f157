// Errors that the CLI turns into one line and an exit code (1 for runtime errors, 2 for usage errors).

/** A failure caused by the user's data or files: exit code 1, the message names file:line or the flag. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file !== undefined ? `${file}${line !== undefined ? `:${line}` : ''}: ${message}` : message);
  }
}

/** A wrong flag or argument combination: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
