import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibration, type ConfidenceBin, fineBinOf } from './calibration.js';

/** `count` decisions at one confidence, `accepted` of them approved. */
function at(confidence: number, count: number, accepted: number): ConfidenceBin {
  const rejected = count - accepted;
  return {
    bin: fineBinOf(confidence),
    count,
    accepted,
    confidenceSum: confidence * count,
    brierSum: accepted * (confidence - 1) ** 2 + rejected * confidence ** 2,
  };
}

describe('calibration', () => {
  it('puts 0.97 in bin 970 and 1 in the last bin', () => {
    assert.equal(fineBinOf(0.97), 970);
    assert.equal(fineBinOf(1), 999);
    assert.equal(fineBinOf(0), 0);
  });

  it('cuts bins of equal count and computes ECE and Brier as worked by hand', () => {
    // 4 decisions at 0.2 (1 accepted), 4 at 0.8 (3 accepted), in 2 groups of 4.
    const result = calibration([at(0.8, 4, 3), at(0.2, 4, 1)], 2);
    assert.equal(result.bins.length, 2);
    assert.deepEqual(
      result.bins.map((b) => [b.lo, b.hi, b.count, b.acceptRate]),
      [
        [0.2, 0.201, 4, 0.25],
        [0.8, 0.801, 4, 0.75],
      ],
    );
    // ECE = ½·|0.25 − 0.2| + ½·|0.75 − 0.8| = 0.05
    assert.ok(Math.abs(result.ece! - 0.05) < 1e-12);
    // Brier: at 0.2, 1 × 0.64 + 3 × 0.04 = 0.76; at 0.8, 3 × 0.04 + 1 × 0.64 = 0.76; 1.52 / 8 = 0.19
    assert.ok(Math.abs(result.brier! - 0.19) < 1e-12);
  });

  it('never splits a fine bin and merges repeated ones', () => {
    const result = calibration([at(0.5, 6, 3), at(0.5, 2, 1), at(0.9, 2, 2)], 10);
    assert.deepEqual(
      result.bins.map((b) => b.count),
      [8, 2],
    );
  });

  it('has nothing to say without decisions', () => {
    assert.deepEqual(calibration([]), { bins: [], ece: null, brier: null });
  });
});
