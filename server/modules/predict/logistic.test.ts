import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  auc,
  calibrationBins,
  fitLogistic,
  liftAt,
  penalisedGradient,
  penalisedLoss,
  sigmoid,
  sparseFromDense,
} from './logistic.ts';

/** A small seeded generator (mulberry32) and normal draws (Box–Muller). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

function synthetic(seed: number, n: number, intercept: number, weights: number[]) {
  const r = rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    // A mix of continuous and 0/1 columns, like standardised numbers and one-hot levels.
    const row = weights.map((_, j) => (j % 2 === 0 ? r.normal() : r.next() < 0.3 ? 1 : 0));
    const z = intercept + row.reduce((s, v, j) => s + v * weights[j]!, 0);
    x.push(row);
    y.push(r.next() < sigmoid(z) ? 1 : 0);
  }
  return sparseFromDense(x, y);
}

describe('logistic regression', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const rows = synthetic(3, 300, -0.5, [0.8, -1.2, 0.3, 1.5]);
    const l2 = 0.05;
    const model = { intercept: 0.2, weights: Float64Array.from([0.1, -0.4, 0.7, -0.2]) };
    const g = penalisedGradient(model, rows, l2);
    const h = 1e-6;
    for (let j = 0; j <= 4; j++) {
      const plus = { intercept: model.intercept, weights: Float64Array.from(model.weights) };
      const minus = { intercept: model.intercept, weights: Float64Array.from(model.weights) };
      if (j === 0) {
        plus.intercept += h;
        minus.intercept -= h;
      } else {
        plus.weights[j - 1]! += h;
        minus.weights[j - 1]! -= h;
      }
      const numeric = (penalisedLoss(plus, rows, l2) - penalisedLoss(minus, rows, l2)) / (2 * h);
      assert.ok(Math.abs(numeric - g[j]!) < 1e-6, `component ${j}: ${numeric} vs ${g[j]}`);
    }
  });

  it('recovers a known coefficient set from data it generated', () => {
    const truth = { intercept: -1, weights: [1.0, -0.8, 0.5, 1.2, -1.5] };
    const rows = synthetic(42, 40_000, truth.intercept, truth.weights);
    const fit = fitLogistic(rows, { l2: 1e-6 });
    assert.ok(fit.converged);
    assert.ok(Math.abs(fit.intercept - truth.intercept) < 0.08, `intercept ${fit.intercept}`);
    truth.weights.forEach((w, j) => {
      assert.ok(Math.abs(fit.weights[j]! - w) < 0.08, `w${j} = ${fit.weights[j]} (truth ${w})`);
    });
    // At the optimum the penalised gradient vanishes.
    const g = penalisedGradient(fit, rows, 1e-6);
    for (const v of g) assert.ok(Math.abs(v) < 1e-6);
  });

  it('shrinks weights as the penalty grows', () => {
    const rows = synthetic(5, 2000, 0, [1, -1, 1]);
    const norm = (w: Float64Array) => Math.hypot(...w);
    const weak = fitLogistic(rows, { l2: 1e-4 });
    const strong = fitLogistic(rows, { l2: 1 });
    assert.ok(norm(strong.weights) < norm(weak.weights) / 2);
  });

  it('is deterministic: the same data gives the same coefficients bit for bit', () => {
    const a = fitLogistic(synthetic(9, 3000, 0.3, [0.5, 0.5, -1]), { l2: 0.01 });
    const b = fitLogistic(synthetic(9, 3000, 0.3, [0.5, 0.5, -1]), { l2: 0.01 });
    assert.deepEqual([a.intercept, ...a.weights], [b.intercept, ...b.weights]);
    const c = fitLogistic(synthetic(10, 3000, 0.3, [0.5, 0.5, -1]), { l2: 0.01 });
    assert.notDeepEqual([a.intercept, ...a.weights], [c.intercept, ...c.weights]);
  });

  it('handles a column that never occurs and perfectly separable data without blowing up', () => {
    const rows = sparseFromDense(
      [
        [1, 0],
        [1, 0],
        [-1, 0],
        [-1, 0],
      ],
      [1, 1, 0, 0],
    );
    const fit = fitLogistic(rows, { l2: 0.1 });
    assert.ok(Number.isFinite(fit.weights[0]!) && fit.weights[0]! > 0);
    assert.equal(fit.weights[1], 0);
  });
});

describe('held-out figures', () => {
  it('AUC equals the share of correctly ordered positive–negative pairs (ties count half)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { minLength: 2, maxLength: 60 }),
        (pairs) => {
          const scores = pairs.map(([s]) => s / 20);
          const labels = pairs.map(([, l]) => (l ? 1 : 0));
          let good = 0;
          let total = 0;
          for (let i = 0; i < pairs.length; i++)
            for (let j = 0; j < pairs.length; j++)
              if (labels[i] === 1 && labels[j] === 0) {
                total++;
                good += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
              }
          const a = auc(scores, labels);
          if (total === 0) return Number.isNaN(a);
          return Math.abs(a - good / total) < 1e-12;
        },
      ),
    );
  });

  it('calibration bins split rows into ten near-equal groups, lowest scores first', () => {
    const scores = Array.from({ length: 95 }, (_, i) => i / 100);
    const labels = scores.map((s) => (s > 0.5 ? 1 : 0));
    const bins = calibrationBins(scores, labels);
    assert.equal(bins.length, 10);
    assert.deepEqual(
      bins.map((b) => b.count),
      [10, 10, 10, 10, 10, 9, 9, 9, 9, 9],
    );
    assert.equal(bins[0]!.actual, 0);
    assert.equal(bins[9]!.actual, 1);
    assert.ok(Math.abs(bins[0]!.predicted - 0.045) < 1e-12);
  });

  it('lift at the top decile compares the top tenth with the base rate', () => {
    // 100 rows, 10 positives, all in the top 10 by score: lift 10.
    const scores = Array.from({ length: 100 }, (_, i) => i);
    const labels = scores.map((s) => (s >= 90 ? 1 : 0));
    assert.equal(liftAt(scores, labels, 0.1), 10);
    // Positives at the bottom: lift 0.
    assert.equal(
      liftAt(
        scores,
        scores.map((s) => (s < 10 ? 1 : 0)),
        0.1,
      ),
      0,
    );
  });
});
