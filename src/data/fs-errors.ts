// File-system errors as the user should read them: the reason in words, with the code for searching.
const reasons: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** "no space left on device (ENOSPC)" for a Node file-system error; the first line of the message otherwise. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  if (code) return code;
  return String((err as Error | null)?.message ?? err).split('\n')[0]!;
}
