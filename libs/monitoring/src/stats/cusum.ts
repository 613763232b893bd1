import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { seededRandom } from './random.js';

/** Human decisions a model version's baseline override rate is first measured over; no alarm before them. */
export const BASELINE_DECISIONS = 300;
/** The baseline goes on learning from decisions the detector judged in control until it covers this many. */
export const BASELINE_LIMIT = 2000;
/** p0, p1 and h are worked out again each time the baseline has grown by this many decisions. */
const REFRESH_EVERY = 50;
/** Average run length between false alarms at the baseline rate. */
export const TARGET_ARL0 = 15_000;

/** A version's detector, JSON-serialisable: it is kept in Postgres between folds. */
export interface DriftState {
  /** Human decisions observed. */
  decisions: number;
  /** Decisions and overrides the baseline is measured over (the first 300, then those judged in control). */
  baselineDecisions: number;
  baselineOverrides: number;
  /** baselineDecisions when p0, p1 and h were last worked out. */
  refreshedAt: number;
  /** The baseline override rate once BASELINE_DECISIONS were observed; null before. */
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
    baselineDecisions: 0,
    baselineOverrides: 0,
    refreshedAt: 0,
    p0: null,
    p1: null,
    h: null,
    statistic: 0,
    runDecisions: 0,
    runOverrides: 0,
  };
}

/** How the detector learns its baseline; the defaults are what Arbiter runs (the benchmark compares others). */
export interface DetectorOptions {
  /** The baseline stops learning at this many decisions; BASELINE_DECISIONS freezes it at the first 300. */
  baselineLimit: number;
  /** Raise h for the baseline's sampling error (see driftThreshold); false treats p0 as exact. */
  allowForEstimate: boolean;
}

const RUNNING: DetectorOptions = { baselineLimit: BASELINE_LIMIT, allowForEstimate: true };

/** States stored before the baseline learned on had a fixed 300-decision baseline. */
function upgraded(state: DriftState): DriftState {
  if (state.baselineDecisions !== undefined) return state;
  const baselineDecisions = Math.min(state.decisions, BASELINE_DECISIONS);
  return { ...state, baselineDecisions, refreshedAt: state.p0 === null ? 0 : baselineDecisions };
}

/**
 * The log-likelihood-ratio steps of a Bernoulli CUSUM. p0 is clamped: a baseline of no overrides at all would
 * make a single override an infinite step (and a baseline near 1 leaves nothing to rise to).
 */
export function cusumWeights(p0: number, p1: number): { q0: number; up: number; down: number } {
  const q0 = Math.min(0.98, Math.max(0.001, p0));
  const q1 = Math.min(0.999, Math.max(q0 + 1e-6, p1));
  return { q0, up: Math.log(q1 / q0), down: Math.log((1 - q1) / (1 - q0)) };
}

const targetRate = (p0: number, delta: number) => Math.min(p0 + delta, 0.999);

/** p0, p1 and h from the baseline as it stands (the statistic is 0 whenever this runs). */
function refreshed(state: DriftState, delta: number, options: DetectorOptions): DriftState {
  const p0 = state.baselineOverrides / state.baselineDecisions;
  const p1 = targetRate(p0, delta);
  const h = options.allowForEstimate
    ? driftThreshold(state.baselineDecisions, state.baselineOverrides, p1)
    : cusumThreshold(p0, p1);
  return { ...state, p0, p1, h, refreshedAt: state.baselineDecisions };
}

/** One decision into the detector (pure): the new state, and whether the statistic is at or over h. */
export function observeDecision(
  previous: DriftState,
  override: boolean,
  delta: number,
  options: DetectorOptions = RUNNING,
): { state: DriftState; crossed: boolean } {
  let state = upgraded(previous);
  if (state.p0 === null) {
    state = {
      ...state,
      decisions: state.decisions + 1,
      baselineDecisions: state.baselineDecisions + 1,
      baselineOverrides: state.baselineOverrides + (override ? 1 : 0),
    };
    if (state.baselineDecisions === BASELINE_DECISIONS) state = refreshed(state, delta, options);
    return { state, crossed: false };
  }
  if (state.p1 !== targetRate(state.p0, delta) || state.h === null) state = refreshed(state, delta, options);
  const { up, down } = cusumWeights(state.p0!, state.p1!);
  const next = {
    ...state,
    decisions: state.decisions + 1,
    statistic: Math.max(0, state.statistic + (override ? up : down)),
    runDecisions: state.runDecisions + 1,
    runOverrides: state.runOverrides + (override ? 1 : 0),
  };
  if (next.statistic > 0) return { state: next, crossed: next.statistic >= next.h! };
  // Back at 0: the decisions since the last 0 did not add up to evidence of a rise, so the baseline may learn
  // from them. Decisions of a run still under way (or one that ended in an alarm) are never learned from.
  let settled = { ...next, runDecisions: 0, runOverrides: 0 };
  if (settled.baselineDecisions < options.baselineLimit) {
    settled = {
      ...settled,
      baselineDecisions: settled.baselineDecisions + next.runDecisions,
      baselineOverrides: settled.baselineOverrides + next.runOverrides,
    };
    const grown = settled.baselineDecisions - settled.refreshedAt;
    if (grown >= REFRESH_EVERY || settled.baselineDecisions >= options.baselineLimit) {
      settled = refreshed(settled, delta, options);
    }
  }
  return { state: settled, crossed: false };
}

/** After an acknowledgement: the statistic starts again from 0 (the baseline stays). */
export function resetStatistic(state: DriftState): DriftState {
  return { ...upgraded(state), statistic: 0, runDecisions: 0, runOverrides: 0 };
}

/**
 * h for a baseline measured over n decisions with x overrides, looking for a rise to p1.
 *
 * cusumThreshold gives the h whose false alarms come every TARGET_ARL0 decisions when p0 is exactly x/n. It
 * is not: with n = 300 at 10% its standard error is 0.017, and a baseline estimated low makes the true rate
 * look like drift (at that h, false alarms come about four times as often as designed). So h is raised until
 * the false-alarm rate averaged over what p0 may truly be (its Jeffreys posterior Beta(x + ½, n − x + ½), at
 * 40 quantiles) equals the rate at p0 known. The rate at each p uses Wald's approximation, ARL ≈ (e^{θh} − θh
 * − 1)/|θμ| with μ the mean step at p and θ the nonzero root of E[e^{θW}] = 1 (θ = 1 at p = p0); its error is
 * much the same at every p, so taken as a ratio to the rate at p0 it cancels. The allowance shrinks as the
 * baseline grows: +2.0 at n = 300, +0.2 at n = 2,000 (p0 = 0.10, p1 = 0.20).
 */
export function driftThreshold(n: number, x: number, p1: number): number {
  const { q0, up, down } = cusumWeights(x / n, p1);
  const exact = knownRateThreshold(q0, p1 - x / n);
  const target = 1 / waldArl(1, meanStep(q0, up, down), stepVariance(q0, up, down), exact);
  const points = Array.from({ length: POSTERIOR_POINTS }, (_, i) => {
    const p = betaQuantile((i + 0.5) / POSTERIOR_POINTS, x + 0.5, n - x + 0.5);
    return { theta: mgfRoot(p, up, down), mu: meanStep(p, up, down), variance: stepVariance(p, up, down) };
  });
  const rate = (h: number) =>
    points.reduce((sum, pt) => sum + 1 / waldArl(pt.theta, pt.mu, pt.variance, h), 0) / POSTERIOR_POINTS;
  let lo = exact;
  let hi = exact + 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (rate(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

const POSTERIOR_POINTS = 40;

const meanStep = (p: number, up: number, down: number) => p * up + (1 - p) * down;
const stepVariance = (p: number, up: number, down: number) =>
  p * up * up + (1 - p) * down * down - meanStep(p, up, down) ** 2;

/** Wald's approximation of a CUSUM's average run length to h, for steps of mean mu whose MGF root is theta. */
export function waldArl(theta: number, mu: number, variance: number, h: number): number {
  if (Math.abs(theta * h) < 1e-6) return (h * h) / variance;
  return (Math.exp(theta * h) - theta * h - 1) / Math.abs(theta * mu);
}

/**
 * The nonzero θ with p·e^{θ·up} + (1 − p)·e^{θ·down} = 1: positive when the steps drift down at p, negative
 * when they drift up, 0 when they do not drift. Bisection, since the function is convex with a root at 0.
 */
export function mgfRoot(p: number, up: number, down: number): number {
  const mu = meanStep(p, up, down);
  if (Math.abs(mu) < 1e-12) return 0;
  const g = (t: number) => p * Math.exp(t * up) + (1 - p) * Math.exp(t * down) - 1;
  let far = mu < 0 ? 1 : -1;
  for (let i = 0; g(far) <= 0 && i < 60; i++) far *= 2;
  let near = 0;
  for (let i = 0; i < 100; i++) {
    const mid = (near + far) / 2;
    if (g(mid) > 0) far = mid;
    else near = mid;
  }
  return (near + far) / 2;
}

/**
 * cusumThreshold is a simulation (about 0.1 s), and a baseline that learns moves p0 continually, so it is
 * worked out at p0 on a grid of 0.005 (each point once per process) and interpolated between.
 */
function knownRateThreshold(q0: number, delta: number): number {
  const step = 0.005;
  const below = Math.floor(q0 / step) * step;
  const lowerP = Math.max(0.001, below);
  const upperP = Math.min(0.98, below + step);
  const lower = cusumThreshold(lowerP, lowerP + delta);
  if (upperP <= lowerP) return lower;
  const upper = cusumThreshold(upperP, upperP + delta);
  return lower + ((q0 - lowerP) / (upperP - lowerP)) * (upper - lower);
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
 * by ln(estimate / arl0) since ARL0 grows like e^h, twice. Deterministic, about 0.1 s.
 */
export function cusumThreshold(rate0: number, rate1: number, arl0 = TARGET_ARL0): number {
  // Rounded before use as well as for the cache, so every process (and every order of calls) agrees on h
  // to the last bit: the fold's workers and a replay of the same decisions must reach the same state.
  const [p0, p1] = [Number(rate0.toFixed(6)), Number(rate1.toFixed(6))];
  const key = `${p0}:${p1}:${arl0}`;
  const known = thresholds.get(key);
  if (known !== undefined) return known;
  const { q0, up, down } = cusumWeights(p0, p1);
  const drift = -meanStep(q0, up, down);
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
