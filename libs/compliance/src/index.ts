/**
 * The advertising-law banned-word check (广告法违禁词), shared by every app that sends merchant text to a
 * platform: catalog-sync (product titles, descriptions) and coupon (campaign names, descriptions).
 * Plain TS, no Nest: the shipped list (libs/compliance/data/banned-words.json) and the checker.
 */
export * from './compliance-checker';
export * from './banned-words';
