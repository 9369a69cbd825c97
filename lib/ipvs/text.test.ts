import { describe, expect, it } from 'vitest';
import { illFormedTextPath, MAX_DEPTH } from './text';

describe('illFormedTextPath', () => {
  it('accepts well-formed text, numbers and nesting', () => {
    expect(illFormedTextPath({ a: [1, 2, { b: 'ok 😀', c: null, d: true }], e: 'x' })).toBeNull();
    expect(illFormedTextPath('plain')).toBeNull();
    expect(illFormedTextPath(42)).toBeNull();
  });

  it('names the path of a lone surrogate or a NUL, in a value or a key', () => {
    expect(illFormedTextPath({ a: [1, { b: 'bad \uD800' }] })).toEqual({ path: ['a', '1', 'b'], message: 'is not well-formed Unicode (lone UTF-16 surrogate)' });
    expect(illFormedTextPath({ a: { ['k\0']: 1 } })).toEqual({ path: ['a'], message: 'has a key that contains a NUL character' });
    expect(illFormedTextPath('x\0')).toEqual({ path: [], message: 'contains a NUL character' });
  });

  it('refuses nesting deeper than MAX_DEPTH without recursion', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < MAX_DEPTH + 5; i++) v = [v];
    const r = illFormedTextPath(v);
    expect(r?.message).toBe(`is nested deeper than ${MAX_DEPTH} levels`);
    expect(r?.path).toHaveLength(MAX_DEPTH);
  });
});
