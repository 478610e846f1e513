/**
 * Card positions: placing cards with positionBetween (spreading the column out when two
 * neighbours touch) gives the same order as inserting into an array; and the pipeline rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pipelineProblems, positionBetween, positionGap, weighted } from './deals.rules.ts';

describe('card positions', () => {
  it('follow array insertion, whatever the sequence of moves (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30), fc.nat(40)), { minLength: 1, maxLength: 200 }), (moves) => {
        // The model: an array of card ids. The implementation: ids with positions, sorted.
        const model: number[] = [];
        let cards: { id: number; position: number }[] = [];
        for (const [card, index] of moves) {
          const i = model.indexOf(card);
          if (i >= 0) model.splice(i, 1);
          const at = Math.min(index, model.length);
          model.splice(at, 0, card);

          const others = cards.filter((c) => c.id !== card).sort((a, b) => a.position - b.position);
          const neighbours = () => ({
            before: at === 0 ? null : others[at - 1]!.position,
            after: others[at]?.position ?? null,
          });
          let { before, after } = neighbours();
          let position = positionBetween(before, after);
          if (position === null) {
            others.forEach((c, k) => {
              c.position = (k + 1) * positionGap;
            });
            ({ before, after } = neighbours());
            position = positionBetween(before, after);
          }
          assert.notEqual(position, null);
          cards = [...others, { id: card, position: position! }];
        }
        const order = cards.sort((a, b) => a.position - b.position).map((c) => c.id);
        assert.deepEqual(order, model);
        assert.equal(new Set(cards.map((c) => c.position)).size, cards.length, 'positions are distinct');
      }),
      { numRuns: 300 },
    );
  });

  it('halves the gap, and says when there is no room left', () => {
    assert.equal(positionBetween(null, null), positionGap);
    assert.equal(positionBetween(10, null), 10 + positionGap);
    assert.equal(positionBetween(null, 10), 10 - positionGap);
    assert.equal(positionBetween(10, 20), 15);
    assert.equal(positionBetween(10, 12), 11);
    assert.equal(positionBetween(10, 11), null);
  });
});

describe('pipeline rules', () => {
  const open = { name: 'Open', probability: 20, kind: 'open' as const };
  const won = { name: 'Won', probability: 100, kind: 'won' as const };
  const lost = { name: 'Lost', probability: 0, kind: 'lost' as const };
  const reasons = [{ code: 'price', label: 'Price' }];

  it('accepts one open, one won and one lost stage', () => {
    assert.deepEqual(pipelineProblems([open, won, lost], reasons, new Set()), []);
  });

  it('names every broken rule', () => {
    const problems = pipelineProblems(
      [
        { ...open, id: 'pst_x' },
        { ...open, name: ' open ' },
        { ...won, probability: 99 },
        { ...won, name: 'Won again' },
      ],
      [...reasons, { code: 'price', label: ' ' }],
      new Set(),
    );
    assert.deepEqual(
      problems.map((p) => `${p.field}:${p.rule}`),
      [
        'stages.0.id:exists',
        'stages.1.name:unique',
        'stages.2.probability:won_is_100',
        'stages:one_won',
        'stages:one_lost',
        'lostReasons.1.code:unique',
        'lostReasons.1.label:required',
      ],
    );
  });

  it('weights amounts by probability, rounding half away from zero', () => {
    assert.equal(weighted(1_250_000, 10), 125_000);
    assert.equal(weighted(10_001, 10), 1_000);
    assert.equal(weighted(5, 50), 3);
    assert.equal(weighted(0, 75), 0);
  });
});
