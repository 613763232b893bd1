import { seededRandom } from './random.js';

/** Human decisions a model version's baseline override rate is measured over; no alarm before them. */
export const BASELINE_DECISIONS = 300;
/** Average run length between false alarms at the baseline rate. */
export const TARGET_ARL0 = 15_000;

/** A version's detector, JSON-serialisable: it is kept in Postgres between folds. */
export interface DriftState {
  /** Human decisions observed. */
  decisions: number;
  /** Overrides among the first BASELINE_DECISIONS. */
  baselineOverrides: number;
  /** The baseline override rate, once BASELINE_DECISIONS were observed; it never changes after. */
  p0: number | null;
  /** The rate the detector looks for (p0 + the queue's driftDelta) and the decision interval it was given. */
  p1: number | null;
  h: number | null;
  statistic: number;
  /** Decisions and overrides since the statistic was last 0: the detector's estimate of the change point. */
  runDecisions: number;
  runOverrides: number;
}

export function newDriftState(): DriftState {
  return {
    decisions: 0,
    baselineOverrides: 0,
    p0: null,
    p1: null,
    h: null,
    statistic: 0,
    runDecisions: 0,
    runOverrides: 0,
  };
}

/**
 * The log-likelihood-ratio steps of a Bernoulli CUSUM. p0 is clamped: a baseline of no overrides at all would
 * make a single override an infinite step (and a baseline near 1 leaves nothing to rise to).
 */
function weights(p0: number, p1: number): { up: number; down: number } {
  const q0 = Math.min(0.98, Math.max(0.001, p0));
  const q1 = Math.min(0.999, Math.max(q0 + 1e-6, p1));
  return { up: Math.log(q1 / q0), down: Math.log((1 - q1) / (1 - q0)) };
}

const targetRate = (p0: number, delta: number) => Math.min(p0 + delta, 0.999);

/** One decision into the detector (pure): the new state, and whether the statistic is at or over h. */
export function observeDecision(
  state: DriftState,
  override: boolean,
  delta: number,
): { state: DriftState; crossed: boolean } {
  const next = { ...state, decisions: state.decisions + 1 };
  if (state.p0 === null) {
    if (override) next.baselineOverrides += 1;
    if (next.decisions === BASELINE_DECISIONS) next.p0 = next.baselineOverrides / BASELINE_DECISIONS;
    return { state: next, crossed: false };
  }
  const p1 = targetRate(state.p0, delta);
  if (next.p1 !== p1 || next.h === null) {
    next.p1 = p1;
    next.h = cusumThreshold(state.p0, p1);
  }
  const { up, down } = weights(state.p0, p1);
  next.statistic = Math.max(0, state.statistic + (override ? up : down));
  if (next.statistic === 0) {
    next.runDecisions = 0;
    next.runOverrides = 0;
  } else {
    next.runDecisions += 1;
    if (override) next.runOverrides += 1;
  }
  return { state: next, crossed: next.statistic >= next.h };
}

/** After an acknowledgement: the statistic starts again from 0 (the baseline stays). */
export function resetStatistic(state: DriftState): DriftState {
  return { ...state, statistic: 0, runDecisions: 0, runOverrides: 0 };
}

const thresholds = new Map<string, number>();

/**
 * The decision interval h whose in-control average run length (at p0) is `arl0`.
 *
 * Closed forms are poor here: Siegmund's corrected diffusion approximation treats the steps as Gaussian,
 * and these are two-valued and skewed, so at p0 = 0.10, p1 = 0.20 its h gives an ARL0 of about 4,800, not
 * 15,000. Wald's identity (E[e^W] = 1 for log-likelihood-ratio steps at p0) gives ARL0 ≈ (e^h − h − 1)/|E W|,
 * which ignores the overshoot over h and so errs long (about 19,000 there). So h starts from Wald's value and
 * is corrected by simulation: a fixed-seed Monte-Carlo estimate of ARL0 at h (400 in-control runs), moving h
 * by ln(estimate / arl0) since ARL0 grows like e^h, twice. Deterministic, about 0.1 s, once per version.
 */
export function cusumThreshold(p0: number, p1: number, arl0 = TARGET_ARL0): number {
  const key = `${p0}:${p1}:${arl0}`;
  const known = thresholds.get(key);
  if (known !== undefined) return known;
  const { up, down } = weights(p0, p1);
  const q0 = Math.min(0.98, Math.max(0.001, p0));
  const drift = -(q0 * up + (1 - q0) * down);
  let lo = 0;
  let hi = 60;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if ((Math.exp(mid) - mid - 1) / drift < arl0) lo = mid;
    else hi = mid;
  }
  let h = hi;
  for (let round = 0; round < 2; round++) {
    h -= Math.log(simulatedArl(q0, up, down, h, 400, 20 * arl0) / arl0);
  }
  thresholds.set(key, h);
  return h;
}

/** Mean run length to S ≥ h of a CUSUM with these steps when overrides come at rate p (runs capped). */
export function simulatedArl(
  p: number,
  up: number,
  down: number,
  h: number,
  runs: number,
  cap: number,
): number {
  const random = seededRandom(15_000);
  let total = 0;
  for (let r = 0; r < runs; r++) {
    let s = 0;
    let n = 0;
    while (n < cap) {
      n++;
      s = Math.max(0, s + (random() < p ? up : down));
      if (s >= h) break;
    }
    total += n;
  }
  return total / runs;
}
