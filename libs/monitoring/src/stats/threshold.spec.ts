import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfidenceBin, fineBinOf } from './calibration.js';
import { thresholdAdvice } from './threshold.js';

const at = (confidence: number, count: number, accepted: number): ConfidenceBin => ({
  bin: fineBinOf(confidence),
  count,
  accepted,
  confidenceSum: confidence * count,
  brierSum: 0,
});

describe('thresholdAdvice', () => {
  it('suggests the lowest threshold that passes, walking down from the strictest', () => {
    // 100 at 0.95, none overridden: at 0.95 and above n = 100, x = 0, bound = 1 − 0.05^(1/100) = 0.0295 ≤ 0.05.
    // 100 at 0.90, 10 overridden: at 0.90 and above n = 200, x = 10, rate 0.05, bound > 0.05: the walk stops.
    // 300 at 0.50, none overridden: at 0.50 and above n = 500, x = 10, bound ≈ 0.033 would pass, but the walk
    // stopped at 0.90, so it must not be suggested.
    const advice = thresholdAdvice([at(0.95, 100, 100), at(0.9, 100, 90), at(0.5, 300, 300)], 0.05);
    assert.equal(advice.suggested, 0.91);
    // at 0.91 the outputs at or above are the 100 at 0.95: coverage 100 / 500
    assert.equal(advice.coverage, 0.2);
    assert.ok(Math.abs(advice.upperBound! - (1 - 0.05 ** (1 / 100))) < 1e-6);
    const lowest = advice.curve.at(-1)!;
    assert.equal(lowest.threshold, 0);
    assert.equal(lowest.coverage, 1);
    assert.equal(lowest.overrideRate, 10 / 500);
    assert.ok(lowest.upperBound < 0.05, 'the candidate after the failure would have passed');
  });

  it('skips candidates with fewer than 50 outputs instead of failing them', () => {
    // 10 at 0.99 with 5 overridden would fail, but 10 < 50: skipped. at 0.96 and below n = 110, x = 5: the bound (about 0.09) passes 0.15 all the way down.
    const advice = thresholdAdvice([at(0.99, 10, 5), at(0.96, 100, 100)], 0.15);
    assert.equal(advice.suggested, 0.0);
  });

  it('is null when no candidate qualifies', () => {
    const advice = thresholdAdvice([at(0.9, 200, 150)], 0.05);
    assert.equal(advice.suggested, null);
    assert.equal(advice.coverage, null);
    assert.ok(advice.curve.length > 0);
  });
});
