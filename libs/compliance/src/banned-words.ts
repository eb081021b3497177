import data from '../data/banned-words.json';
import type { BannedWord } from './compliance-checker';

export interface BannedWordCategory {
  name: string;
  law: string;
}

export interface BannedWordList {
  version: number;
  categories: Record<string, BannedWordCategory>;
  /** phrases in which a banned word is not a violation ('最近' = recently) */
  allow: string[];
  words: BannedWord[];
}

/** The curated list shipped with the service (libs/compliance/data/banned-words.json). */
export const SHIPPED_BANNED_WORDS: BannedWordList = data as BannedWordList;
