import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASELINE_DECISIONS,
  cusumThreshold,
  type DriftState,
  newDriftState,
  observeDecision,
  resetStatistic,
  simulatedArl,
} from './cusum.js';
import { seededRandom } from './random.js';

/** Feeds `n` decisions overridden at `rate`; returns the state and how many decisions in the first alarm came. */
function feed(state: DriftState, n: number, rate: number, random: () => number, delta = 0.1) {
  let alarmAt: number | null = null;
  for (let i = 0; i < n; i++) {
    const observed = observeDecision(state, random() < rate, delta);
    state = observed.state;
    if (observed.crossed && alarmAt === null) alarmAt = i + 1;
  }
  return { state, alarmAt };
}

/** The first 300 decisions at exactly 10%: every tenth overridden. */
function baselineAtTenPercent(): DriftState {
  let state = newDriftState();
  for (let i = 0; i < BASELINE_DECISIONS; i++) state = observeDecision(state, i % 10 === 9, 0.1).state;
  return state;
}

describe('Bernoulli CUSUM', () => {
  it('measures p0 over the first 300 decisions and raises nothing before', () => {
    let state = newDriftState();
    for (let i = 0; i < BASELINE_DECISIONS - 1; i++) {
      const observed = observeDecision(state, true, 0.1);
      assert.equal(observed.crossed, false);
      state = observed.state;
    }
    assert.equal(state.p0, null);
    state = baselineAtTenPercent();
    assert.equal(state.p0, 0.1);
    assert.equal(state.statistic, 0);
  });

  it('steps by the log-likelihood ratios worked by hand', () => {
    const up = observeDecision(baselineAtTenPercent(), true, 0.1).state;
    // ln(0.2 / 0.1) = 0.693147
    assert.ok(Math.abs(up.statistic - Math.LN2) < 1e-12);
    assert.equal(up.p1, 0.2);
    const down = observeDecision(up, false, 0.1).state;
    // + ln(0.8 / 0.9) = −0.117783
    assert.ok(Math.abs(down.statistic - (Math.LN2 + Math.log(0.8 / 0.9))) < 1e-12);
    assert.equal(down.runDecisions, 2);
    assert.equal(down.runOverrides, 1);
    assert.equal(observeDecision(baselineAtTenPercent(), false, 0.1).state.statistic, 0);
  });

  it('flags a shift from 10% to 20% within a few hundred decisions', () => {
    const { alarmAt, state } = feed(baselineAtTenPercent(), 1000, 0.2, seededRandom(1));
    assert.ok(alarmAt !== null && alarmAt <= 400, `alarm after ${alarmAt} decisions at 20%`);
    assert.ok(state.runOverrides / state.runDecisions > 0.1);
  });

  it('raises no alarm over 10,000 stable decisions at 10%', () => {
    const { alarmAt, state } = feed(baselineAtTenPercent(), 10_000, 0.1, seededRandom(2));
    assert.equal(alarmAt, null, `false alarm after ${alarmAt} decisions (h = ${state.h})`);
  });

  it('gives a new version its own state: nothing carries over from another', () => {
    const drifting = feed(baselineAtTenPercent(), 1000, 0.4, seededRandom(3)).state;
    assert.ok(drifting.statistic > 0);
    const fresh = newDriftState();
    const first = observeDecision(fresh, true, 0.1).state;
    assert.equal(first.p0, null);
    assert.equal(first.statistic, 0);
    assert.equal(first.decisions, 1);
    assert.deepEqual(fresh, newDriftState(), 'observing returns a new state and leaves the old one alone');
  });

  it('starts from 0 again after an acknowledgement, keeping the baseline', () => {
    const drifting = feed(baselineAtTenPercent(), 500, 0.4, seededRandom(4)).state;
    const reset = resetStatistic(drifting);
    assert.equal(reset.statistic, 0);
    assert.equal(reset.runDecisions, 0);
    assert.equal(reset.p0, 0.1);
  });

  it('chooses h so that false alarms come every 15,000 decisions on average', () => {
    const h = cusumThreshold(0.1, 0.2);
    // An independent estimate (other seed stream length): 600 in-control runs; their mean has a standard error
    // of about 15,000 / √600 ≈ 4%, so ±20% is several standard errors wide.
    const arl = simulatedArlWithSeed(0.1, 0.2, h, 600, 99);
    assert.ok(arl > 12_000 && arl < 18_000, `ARL0 ${Math.round(arl)} at h = ${h}`);
    assert.ok(simulatedArl(0.1, Math.LN2, Math.log(0.8 / 0.9), h, 50, 1e6) > 0);
  });
});

function simulatedArlWithSeed(p0: number, p1: number, h: number, runs: number, seed: number): number {
  const random = seededRandom(seed);
  const up = Math.log(p1 / p0);
  const down = Math.log((1 - p1) / (1 - p0));
  let total = 0;
  for (let r = 0; r < runs; r++) {
    let s = 0;
    let n = 0;
    do {
      n++;
      s = Math.max(0, s + (random() < p0 ? up : down));
    } while (s < h && n < 1_000_000);
    total += n;
  }
  return total / runs;
}
