// A WordPiece vocabulary for timing a teacher without one: the texts' characters, padded to bert-base-chinese's
// 21,128 tokens, so the embedding table has the real teacher's size.
import fs from 'node:fs';

export const BERT_CHINESE_VOCAB_SIZE = 21128;

export function writeCharacterVocabulary(texts: Iterable<string>, file: string, size = BERT_CHINESE_VOCAB_SIZE): void {
  const chars = new Set<string>();
  for (const t of texts) for (const c of t) if (c.trim() !== '') chars.add(c);
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars];
  for (let i = tokens.length; i < size; i++) tokens.push(`[unused${i}]`);
  fs.writeFileSync(file, tokens.join('\n') + '\n');
}
