import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clopperPearsonUpper, wilsonInterval } from './interval.js';

const close = (actual: number, expected: number, tolerance = 1e-4) =>
  assert.ok(Math.abs(actual - expected) < tolerance, `${actual} is not ${expected} ± ${tolerance}`);

describe('wilsonInterval', () => {
  it('matches the interval worked by hand for 10 overrides in 100 decisions', () => {
    // z = 1.959964, z² = 3.841459, z²/n = 0.0384146; p = 0.1
    // centre = (0.1 + 0.0192073) / 1.0384146 = 0.114797
    // half = (1.959964 / 1.0384146) * sqrt(0.1 * 0.9 / 100 + 0.0384146 / 400) = 1.887457 * sqrt(0.000996036)
    //      = 1.887457 * 0.0315600 = 0.059568
    const [lo, hi] = wilsonInterval(10, 100);
    close(lo, 0.055229);
    close(hi, 0.174365);
  });

  it('stays inside [0, 1] and says nothing without decisions', () => {
    // 0 of 10: centre = (0 + 0.192073)/1.384146 = 0.138766 = half, so lo = 0; hi = 0.277533
    const [lo, hi] = wilsonInterval(0, 10);
    close(lo, 0);
    close(hi, 0.277533);
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
  });
});

describe('clopperPearsonUpper', () => {
  it('is 1 − α^(1/n) with no successes (the closed form)', () => {
    // 1 − 0.05^(1/50) = 1 − e^(ln 0.05 / 50) = 1 − e^(−0.0599146) = 0.0581523
    close(clopperPearsonUpper(0, 50), 0.0581523);
  });

  it('solves P(X ≤ 1 | n, p) = 0.05 for one success in ten', () => {
    // n = 10, x = 1: (1−p)^10 + 10 p (1−p)^9 = 0.05 at p = 0.3942 (checked: 0.6058^9 (0.6058 + 3.942) = 0.0500)
    close(clopperPearsonUpper(1, 10), 0.3942, 5e-4);
  });

  it('is 1 when every trial succeeded or there are none', () => {
    assert.equal(clopperPearsonUpper(5, 5), 1);
    assert.equal(clopperPearsonUpper(0, 0), 1);
  });
});
