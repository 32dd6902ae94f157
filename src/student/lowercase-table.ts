// What `lowercased()` (segmentation.ts) makes of each character, for the native encoder: every code point of
// planes 0-1 that toLowerCase changes, with its lowercase. Computed with toLowerCase itself, so the native
// path lowercases exactly as this JavaScript engine does (about 30 ms, once a process).

export interface LowercaseTable {
  codePoints: Int32Array;
  lowercase: string[];
}

let table: LowercaseTable | undefined;

export function lowercaseTable(): LowercaseTable {
  if (!table) {
    const codePoints: number[] = [];
    const lowercase: string[] = [];
    for (let c = 0; c < 0x20000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const char = String.fromCodePoint(c);
      const lower = char.toLowerCase();
      if (lower !== char) {
        codePoints.push(c);
        lowercase.push(lower);
      }
    }
    table = { codePoints: Int32Array.from(codePoints), lowercase };
  }
  return table;
}

/** For settings without lowercasing. */
export const noLowercase: LowercaseTable = { codePoints: new Int32Array(0), lowercase: [] };
