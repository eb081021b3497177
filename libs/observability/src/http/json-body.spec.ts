import { forbiddenJsonKey, jsonDepthExceeds } from './json-body';
import { findForbiddenKey } from './strict-validation.pipe';

describe('jsonDepthExceeds', () => {
  it.each([
    ['[]', 1, false],
    ['[[]]', 1, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[1]}}', 2, true],
    ['"[[[[[[[["', 1, false],
    ['{"a":"\\\\"}', 1, false],
    ['{"a":"\\"[[[["}', 1, false],
    ['[{"x":"]]]]"},[[1]]]', 3, false],
    ['[{"x":"]]]]"},[[1]]]', 2, true],
  ])('%s with max %d -> %s', (text, max, exceeds) => {
    expect(jsonDepthExceeds(text, max)).toBe(exceeds);
  });

  it('does not count brackets that close nothing as depth (the parse rejects such text anyway)', () => {
    expect(jsonDepthExceeds(']]]][[', 2)).toBe(false);
  });
});

describe('forbiddenJsonKey', () => {
  it.each([
    ['{"a":1}', undefined],
    ['{"a":"__proto__"}', undefined],
    ['{"__proto__":1}', '__proto__'],
    ['[{"a":{"constructor":1}}]', 'constructor'],
    ['{"\\u0070rototype":1}', 'prototype'],
    ['{"a":"\\u00e9"}', undefined],
    ['{"__proto__":', undefined],
  ])('%s -> %s', (text, key) => {
    expect(forbiddenJsonKey(text)).toBe(key);
  });
});

describe('findForbiddenKey', () => {
  it('names the path of the first forbidden own key', () => {
    expect(findForbiddenKey({ a: [{ b: 1 }, JSON.parse('{"__proto__":{"x":1}}')] })).toBe('a.1.__proto__');
    expect(findForbiddenKey({ a: { constructor: 1 } })).toBe('a.constructor');
    expect(findForbiddenKey({ a: [1, 'constructor'], b: null })).toBeUndefined();
    expect(findForbiddenKey('prototype')).toBeUndefined();
  });
});
