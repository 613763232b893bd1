import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASELINE_DECISIONS,
  BASELINE_LIMIT,
  cusumThreshold,
  driftThreshold,
  type DriftState,
  mgfRoot,
  newDriftState,
  observeDecision,
  resetStatistic,
  simulatedArl,
  waldArl,
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
    assert.equal(state.p1, 0.2);
    assert.equal(state.h, driftThreshold(300, 30, 0.2));
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

  it('learns the baseline from decisions it judged in control, up to its limit', () => {
    const random = seededRandom(5);
    let state = baselineAtTenPercent();
    let learned = state.baselineDecisions;
    for (let i = 0; i < 5000; i++) {
      const before = state;
      state = observeDecision(state, random() < 0.1, 0.1).state;
      if (state.baselineDecisions !== learned) {
        // It learns only when the statistic is back at 0, and then the whole run since the last 0.
        assert.equal(state.statistic, 0);
        assert.equal(state.baselineDecisions - learned, before.runDecisions + 1);
        learned = state.baselineDecisions;
      }
    }
    assert.ok(learned >= BASELINE_LIMIT && learned < BASELINE_LIMIT + 200, `baseline of ${learned}`);
    assert.equal(state.p0, state.baselineOverrides / state.baselineDecisions);
    assert.ok(Math.abs(state.p0! - 0.1) < 0.02, `p0 ${state.p0}`);
    assert.equal(state.h, driftThreshold(state.baselineDecisions, state.baselineOverrides, state.p1!));
  });

  it('never learns from a run under way or one that ended in an alarm', () => {
    const { state, alarmAt } = feed(baselineAtTenPercent(), 400, 0.5, seededRandom(6));
    assert.ok(alarmAt !== null);
    assert.ok(state.baselineDecisions < 300 + alarmAt, 'the alarm run is not in the baseline');
    assert.ok(state.baselineOverrides / state.baselineDecisions < 0.2, `baseline ${state.p0}`);
  });

  it('raises h for a young baseline, less as it grows, to the known-rate h', () => {
    const known = cusumThreshold(0.1, 0.2);
    const young = driftThreshold(300, 30, 0.2);
    const grown = driftThreshold(2000, 200, 0.2);
    const settled = driftThreshold(1_000_000, 100_000, 0.2);
    assert.ok(young > grown && grown > settled, `${young} > ${grown} > ${settled}`);
    assert.ok(young - known > 1.5 && young - known < 2.5, `young allowance ${young - known}`);
    assert.ok(Math.abs(settled - known) < 0.05, `settled ${settled} against ${known}`);
  });

  it("solves the MGF root and Wald's run length as worked by hand", () => {
    const up = Math.LN2;
    const down = Math.log(0.8 / 0.9);
    // At p0 the steps are log-likelihood ratios, so θ = 1: 0.1·2 + 0.9·(8/9) = 1.
    assert.ok(Math.abs(mgfRoot(0.1, up, down) - 1) < 1e-9);
    // Worked by bisection apart: 0.12·2^θ + 0.88·(8/9)^θ = 1 at θ = 0.529251; 0.25·2^θ + 0.75·(8/9)^θ = 1 at
    // θ = −1.818152 (the steps drift up there, so the root is negative).
    assert.ok(Math.abs(mgfRoot(0.12, up, down) - 0.529251) < 1e-6);
    assert.ok(Math.abs(mgfRoot(0.25, up, down) + 1.818152) < 1e-6);
    // μ = 0.1·ln 2 + 0.9·ln(8/9) = −0.036690; (e^5 − 5 − 1)/0.036690 = 3,881.5.
    const mu = 0.1 * up + 0.9 * down;
    assert.ok(Math.abs(waldArl(1, mu, 1, 5) - 3881.52) < 0.01);
  });

  it('carries on from a state stored with a fixed 300-decision baseline', () => {
    const stored = {
      decisions: 900,
      baselineOverrides: 30,
      p0: 0.1,
      p1: 0.2,
      h: 5.97,
      statistic: 1.2,
      runDecisions: 4,
      runOverrides: 2,
    } as unknown as DriftState;
    const next = observeDecision(stored, true, 0.1).state;
    assert.equal(next.baselineDecisions, BASELINE_DECISIONS);
    assert.equal(next.p0, 0.1);
    assert.ok(Math.abs(next.statistic - (1.2 + Math.LN2)) < 1e-12);
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
