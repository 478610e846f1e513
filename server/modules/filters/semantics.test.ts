import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fold } from './semantics.ts';

describe('fold (ASCII-only case folding)', () => {
  it('lower-cases A–Z and nothing else, whatever the text', () => {
    const reference = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom('A', 'z', 'Ä', 'İ', 'Σ', 'ß', 'K', ' ', '1') }),
    );
    fc.assert(fc.property(text, (s) => fold(s) === reference(s)));
    assert.equal(fold('VP Sales'), 'vp sales');
    assert.equal(fold('ÄRZTE İstanbul'), 'Ärzte İstanbul', 'non-ASCII letters keep their case');
    assert.equal(fold('\u212A'), '\u212A', 'the Kelvin sign is not a K');
  });
});
