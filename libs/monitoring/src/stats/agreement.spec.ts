import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agreement, goldScore, type VerdictCategory } from './agreement.js';

const close = (actual: number | null, expected: number, tolerance = 1e-6) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < tolerance,
    `${actual} is not ${expected} ± ${tolerance}`,
  );

const repeat = (pair: [VerdictCategory, VerdictCategory], times: number) =>
  Array.from({ length: times }, () => pair);

describe('agreement', () => {
  it('matches kappa and AC1 worked by hand for a small table', () => {
    // Rows: this reviewer; columns: the other.   approve correct reject
    //                                   approve       6       1      0
    //                                   correct       1       1      0
    //                                   reject        0       0      1
    // p_o = 8/10 = 0.8. Marginals 0.7/0.2/0.1 on both sides.
    // kappa: p_e = 0.49 + 0.04 + 0.01 = 0.54, kappa = 0.26 / 0.46 = 0.5652174
    // AC1: π = 0.7/0.2/0.1, Σπ(1−π) = 0.21 + 0.16 + 0.09 = 0.46, p_e = 0.46 / 2 = 0.23,
    //      AC1 = 0.57 / 0.77 = 0.7402597
    const result = agreement([
      ...repeat(['approve', 'approve'], 6),
      ['approve', 'correct'],
      ['correct', 'approve'],
      ['correct', 'correct'],
      ['reject', 'reject'],
    ]);
    assert.equal(result.pairs, 10);
    close(result.percent, 0.8);
    close(result.kappa, 0.5652174);
    close(result.ac1, 0.7402597);
  });

  it('keeps AC1 high where kappa collapses because one verdict dominates', () => {
    // 18 both approve, 1 approve/correct, 1 correct/approve: p_o = 0.9, marginals 0.95/0.05 on both sides.
    // kappa: p_e = 0.9025 + 0.0025 = 0.905, kappa = −0.005 / 0.095 = −0.0526316
    // AC1: Σπ(1−π) = 2 × 0.0475 = 0.095, p_e = 0.0475, AC1 = 0.8525 / 0.9525 = 0.8950131
    const result = agreement([
      ...repeat(['approve', 'approve'], 18),
      ['approve', 'correct'],
      ['correct', 'approve'],
    ]);
    close(result.percent, 0.9);
    close(result.kappa, -0.0526316);
    close(result.ac1, 0.8950131);
  });

  it('says nothing without pairs, and no kappa when every verdict is the same', () => {
    assert.deepEqual(agreement([]), { pairs: 0, percent: null, kappa: null, ac1: null });
    // All approve: p_e(kappa) = 1, so kappa is 0/0; AC1: π = 1/0/0, p_e = 0, AC1 = 1.
    const unanimous = agreement(repeat(['approve', 'approve'], 4));
    assert.equal(unanimous.kappa, null);
    close(unanimous.ac1, 1);
    close(unanimous.percent, 1);
  });
});

describe('goldScore', () => {
  it('gives an accuracy and its Wilson lower bound only from five scored gold items', () => {
    assert.deepEqual(goldScore(4, 4), { scored: 4, correct: 4, accuracy: null, lowerBound: null });
    // 9 of 10: z²/n = 0.3841459, centre = (0.9 + 0.1920729) / 1.3841459 = 0.7889886,
    // half = 1.4160104 × sqrt(0.009 + 0.0096036) = 1.4160104 × 0.1363952 = 0.1931372, lo = 0.5958514
    const score = goldScore(10, 9);
    close(score.accuracy, 0.9);
    close(score.lowerBound, 0.5958514, 1e-5);
  });
});
