import { SHIPPED_BANNED_WORDS } from './banned-words';
import { ComplianceChecker, normalizeForMatch } from './compliance-checker';

const sut = new ComplianceChecker(SHIPPED_BANNED_WORDS.words, SHIPPED_BANNED_WORDS.allow);
const at = (text: string, start: number, end: number) => [...text].slice(start, end).join('');

describe(ComplianceChecker.name, () => {
  it('ships a curated list of at least 40 words, each with a known category', () => {
    expect(SHIPPED_BANNED_WORDS.words.length).toBeGreaterThanOrEqual(40);
    for (const w of SHIPPED_BANNED_WORDS.words) expect(Object.keys(SHIPPED_BANNED_WORDS.categories)).toContain(w.category);
  });

  it('reports a multi-character word with its category and code point positions', () => {
    const text = '春季新款国家级认证面膜';
    const v = sut.checkText('title', text);
    expect(v).toEqual([{ field: 'title', word: '国家级', category: 'false_authority', start: 4, end: 7 }]);
    expect(at(text, v[0].start, v[0].end)).toBe('国家级');
  });

  it('counts positions in characters, not UTF-16 units, after an emoji', () => {
    const text = '🔥顶级好物';
    expect(sut.checkText('title', text)).toEqual([{ field: 'title', word: '顶级', category: 'superlative', start: 1, end: 3 }]);
  });

  it('reports every occurrence of a word', () => {
    const v = sut.checkText('description', '绝对好用，绝对划算');
    expect(v.map((x) => [x.word, x.start, x.end])).toEqual([
      ['绝对', 0, 2],
      ['绝对', 5, 7],
    ]);
  });

  it('keeps the longer word when one lies inside another (最 inside 最佳)', () => {
    expect(sut.checkText('title', '最佳口感').map((x) => x.word)).toEqual(['最佳']);
  });

  it('reports partially overlapping words both', () => {
    const c = new ComplianceChecker([
      { word: '第一', category: 'superlative' },
      { word: '一流', category: 'superlative' },
    ]);
    expect(c.checkText('title', '第一流品质').map((x) => [x.word, x.start, x.end])).toEqual([
      ['第一', 0, 2],
      ['一流', 1, 3],
    ]);
  });

  it('finds 100% written with full-width characters, pointing at the original text', () => {
    const text = '纯棉１００％不起球';
    const v = sut.checkText('title', text);
    expect(v).toEqual([{ field: 'title', word: '100%', category: 'absolute', start: 2, end: 6 }]);
    expect(at(text, 2, 6)).toBe('１００％');
  });

  it('prefers 100%纯 over 100% when both match at the same place', () => {
    expect(sut.checkText('title', '100%纯棉').map((x) => x.word)).toEqual(['100%纯']);
  });

  it('matches ASCII words regardless of case and width', () => {
    expect(sut.checkText('title', '销量top1').map((x) => x.word)).toEqual(['TOP1']);
    expect(sut.checkText('title', '全网ＮＯ．１').map((x) => x.word)).toEqual(['全网', 'NO.1']);
  });

  it('ignores words inside allowed phrases (最 in 最近) but not elsewhere in the same text', () => {
    const v = sut.checkText('description', '最近上新，最低价');
    expect(v.map((x) => [x.word, x.start])).toEqual([['最低价', 5]]);
  });

  it('returns nothing for a clean text', () => {
    expect(sut.check([{ field: 'title', text: '春季纯棉T恤 男款 圆领' }, { field: 'description', text: '' }])).toEqual([]);
  });

  it('extends the shipped list with a merchant’s own words', () => {
    const c = sut.extend([{ word: '爆款王', category: 'merchant' }]);
    expect(c.checkText('title', '今年爆款王').map((x) => [x.word, x.category])).toEqual([['爆款王', 'merchant']]);
    expect(sut.checkText('title', '今年爆款王')).toEqual([]);
  });

  it('normalises per code point so every character maps back to its origin', () => {
    const n = normalizeForMatch('Ａ㎏b');
    expect(n.chars.join('')).toBe('akgb');
    expect(n.origin).toEqual([0, 1, 1, 2]);
  });
});
