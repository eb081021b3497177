/** One entry of the banned-word list (shipped data file or a merchant's own words). */
export interface BannedWord {
  word: string;
  category: string;
}

/**
 * A banned word found in a text. `start`/`end` are character (Unicode code point) offsets into the
 * ORIGINAL text, end exclusive: `[...text].slice(start, end).join('')` is the matched text as written
 * (e.g. '１００％' for the word '100%').
 */
export interface WordViolation {
  field: string;
  word: string;
  category: string;
  start: number;
  end: number;
}

export interface TextField {
  field: string;
  text: string;
}

interface Normalized {
  /** normalised code points */
  chars: string[];
  /** for each normalised code point, the index of the original code point it came from */
  origin: number[];
}

/**
 * Width- and case-folding per code point: NFKC (full-width ＡＢＣ１２３％ -> ABC123%, ㎏ -> kg) then lower case.
 * Done per code point, not on the whole string, so every normalised character maps back to its original.
 */
export function normalizeForMatch(text: string): Normalized {
  const chars: string[] = [];
  const origin: number[] = [];
  Array.from(text).forEach((cp, i) => {
    for (const n of Array.from(cp.normalize('NFKC').toLowerCase())) {
      chars.push(n);
      origin.push(i);
    }
  });
  return { chars, origin };
}

function findAll(hay: string[], needle: string[]): number[] {
  const out: number[] = [];
  if (needle.length === 0 || needle.length > hay.length) return out;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    out.push(i);
  }
  return out;
}

/**
 * Finds banned words in texts. Rules:
 *  - matching is case-insensitive for ASCII and width-insensitive (NFKC), positions refer to the original text;
 *  - every occurrence is reported, including partially overlapping words ('第一' and '一流' in '第一流');
 *  - a match lying wholly inside a longer match is dropped ('最' inside '最佳' reports only '最佳');
 *  - a match lying wholly inside an allowed phrase is dropped ('最' in '最近').
 */
export class ComplianceChecker {
  private readonly words: { word: string; category: string; norm: string[] }[];
  private readonly allow: string[][];

  constructor(words: readonly BannedWord[], private readonly allowPhrases: readonly string[] = []) {
    const seen = new Set<string>();
    this.words = [];
    for (const w of words) {
      const norm = normalizeForMatch(w.word).chars;
      const key = norm.join('');
      if (norm.length === 0 || seen.has(key)) continue; // first entry of a word wins (shipped list before custom)
      seen.add(key);
      this.words.push({ word: w.word, category: w.category, norm });
    }
    this.allow = allowPhrases.map((a) => normalizeForMatch(a).chars).filter((a) => a.length > 0);
  }

  /** a checker with extra words (a merchant's own) on top of this one's */
  extend(extra: readonly BannedWord[]): ComplianceChecker {
    return new ComplianceChecker([...this.words.map(({ word, category }) => ({ word, category })), ...extra], this.allowPhrases);
  }

  check(fields: readonly TextField[]): WordViolation[] {
    return fields.flatMap((f) => this.checkText(f.field, f.text));
  }

  checkText(field: string, text: string): WordViolation[] {
    if (!text) return [];
    const { chars, origin } = normalizeForMatch(text);
    const allowed: [number, number][] = [];
    for (const a of this.allow) for (const i of findAll(chars, a)) allowed.push([i, i + a.length]);
    type Hit = { word: string; category: string; s: number; e: number };
    const hits: Hit[] = [];
    for (const w of this.words) {
      for (const i of findAll(chars, w.norm)) {
        const e = i + w.norm.length;
        if (allowed.some(([as, ae]) => as <= i && e <= ae)) continue;
        hits.push({ word: w.word, category: w.category, s: i, e });
      }
    }
    const kept = hits.filter(
      (h) => !hits.some((o) => o !== h && o.s <= h.s && h.e <= o.e && o.e - o.s > h.e - h.s),
    );
    kept.sort((a, b) => a.s - b.s || b.e - a.e);
    return kept.map((h) => ({
      field,
      word: h.word,
      category: h.category,
      start: origin[h.s],
      end: origin[h.e - 1] + 1,
    }));
  }
}
