// The built-in demo's data: Chinese product, hotel, book and restaurant reviews generated from the package's
// own templates and word lists, deterministic per seed. Negation ("不是很好") and contrast ("虽然……但是……")
// decide many labels, which a bag of words cannot model but a sequence model can.
import { SeededRandom } from '../util/random.js';

interface Domain {
  subjects: string[];
  aspects: string[];
}

const DOMAINS: Domain[] = [
  {
    subjects: ['这家酒店', '酒店', '这个宾馆', '我们住的房间'],
    aspects: ['服务', '房间', '环境', '早餐', '位置', '前台', '床', '卫生', '隔音', '设施'],
  },
  {
    subjects: ['这台电脑', '笔记本', '这款手机', '这个平板'],
    aspects: ['屏幕', '电池', '键盘', '散热', '系统', '外观', '做工', '速度', '音质', '性价比'],
  },
  {
    subjects: ['这本书', '这套书', '这部小说', '这本教材'],
    aspects: ['内容', '印刷', '纸张', '故事', '翻译', '排版', '插图', '包装', '情节', '语言'],
  },
  {
    subjects: ['这家餐厅', '外卖', '这家店', '这里的菜'],
    aspects: ['味道', '分量', '价格', '服务员', '上菜速度', '环境', '菜品', '口感', '卫生', '配送'],
  },
];
const POSITIVE = [
  '好',
  '好用',
  '满意',
  '干净',
  '舒服',
  '方便',
  '漂亮',
  '精致',
  '实惠',
  '快',
  '热情',
  '流畅',
  '清晰',
  '棒',
];
const NEGATIVE = ['差', '糟糕', '失望', '脏', '难受', '麻烦', '难看', '粗糙', '贵', '慢', '冷淡', '卡', '模糊', '烂'];
const INTENSIFIERS = ['很', '非常', '特别', '比较', '有点', '太', '挺', '真', ''];
const FILLERS = ['这次', '上周', '出差的时候', '朋友推荐的', '第二次来', '在网上买的', '总体来说', '说实话', '其实'];
const VERDICT_POSITIVE = ['总的来说还是值得推荐', '下次还会再来', '会推荐给朋友', '总体很满意', '物有所值'];
const VERDICT_NEGATIVE = ['总的来说不推荐', '不会再来了', '再也不买了', '总体很失望', '不值这个价'];

export interface DemoRow {
  label: '0' | '1';
  text: string;
}

const NEGATORS = ['不', '不是很', '一点也不', '并不', '没那么'];

/** An aspect opinion; a negated one ("不是很好") flips its polarity. */
function opinion(random: SeededRandom, domain: Domain, positive: boolean): string {
  const negated = random.next() < 0.3;
  const word = pick(random, positive !== negated ? POSITIVE : NEGATIVE);
  return `${pick(random, domain.aspects)}${negated ? pick(random, NEGATORS) : pick(random, INTENSIFIERS)}${word}`;
}

/**
 * One review. Its label is, in turn: the closing verdict when there is one; the clause after 但是 in a
 * 虽然……但是…… contrast; else the majority of its aspect opinions.
 */
export function demoReview(random: SeededRandom): DemoRow {
  const domain = DOMAINS[random.int(DOMAINS.length)]!;
  const clauses: string[] = [];
  if (random.next() < 0.4) clauses.push(pick(random, FILLERS));
  clauses.push(pick(random, domain.subjects));
  let positive: boolean;
  if (random.next() < 0.35) {
    // 虽然 A，但是 B: B decides.
    positive = random.next() < 0.5;
    clauses.push(`虽然${opinion(random, domain, !positive)}`, `但是${opinion(random, domain, positive)}`);
  } else {
    const opinions = 1 + random.int(3);
    let score = 0;
    for (let i = 0; i < opinions; i++) {
      const p = random.next() < 0.5;
      score += p ? 1 : -1;
      clauses.push(opinion(random, domain, p));
    }
    positive = score > 0 || (score === 0 && random.next() < 0.5);
  }
  if (random.next() < 0.3) {
    // A closing verdict decides the review, even against everything before it.
    positive = random.next() < 0.5;
    clauses.push(pick(random, positive ? VERDICT_POSITIVE : VERDICT_NEGATIVE));
  }
  return { label: positive ? '1' : '0', text: clauses.join('，') + (random.next() < 0.5 ? '。' : '！') };
}

export function demoRows(count: number, seed: number): DemoRow[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => demoReview(random));
}

export const demoLabeledTsv = (rows: DemoRow[]) =>
  'label\ttext_a\n' + rows.map((r) => `${r.label}\t${r.text}`).join('\n') + '\n';
export const demoTextLines = (rows: DemoRow[]) => rows.map((r) => r.text).join('\n') + '\n';

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.int(items.length)]!;
}
