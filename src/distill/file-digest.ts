// Content digests that key the teacher-label cache: the same inputs and teacher give the same key.
import crypto from 'node:crypto';
import fs from 'node:fs';

export async function fileDigest(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A short key over digests and settings. */
export function cacheKey(parts: readonly unknown[]): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
