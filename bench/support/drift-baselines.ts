/** Detectors the CUSUM is measured against, on a 0/1 stream (1 = the reviewer overrode the output). */
export interface StreamDetector {
  readonly name: string;
  /** Feeds one outcome; true when the detector signals a change. */
  observe(x: number): boolean;
  /** Starts over, as after an acknowledged alarm. */
  reset(): void;
}

/**
 * DDM (Gama et al., 2004): tracks the error rate p_i and s_i = √(p_i(1−p_i)/i), remembers where p + s was
 * lowest, and signals drift when p_i + s_i ≥ p_min + 3·s_min (after a warm-up of 30).
 */
export class Ddm implements StreamDetector {
  readonly name = 'DDM';
  private n = 0;
  private errors = 0;
  private pMin = Infinity;
  private sMin = Infinity;

  observe(x: number): boolean {
    this.n++;
    this.errors += x;
    const p = this.errors / this.n;
    const s = Math.sqrt((p * (1 - p)) / this.n);
    if (this.n < 30) return false;
    if (p + s < this.pMin + this.sMin) {
      this.pMin = p;
      this.sMin = s;
    }
    return p + s >= this.pMin + 3 * this.sMin;
  }

  reset(): void {
    this.n = 0;
    this.errors = 0;
    this.pMin = Infinity;
    this.sMin = Infinity;
  }
}

/**
 * Page–Hinkley test for a rise in the mean: m_T = Σ (x_t − x̄_t − δ), signal when m_T − min m ≥ λ.
 */
export class PageHinkley implements StreamDetector {
  readonly name: string;
  private n = 0;
  private mean = 0;
  private sum = 0;
  private min = 0;

  constructor(
    private readonly delta: number,
    private readonly lambda: number,
  ) {
    this.name = `Page-Hinkley (δ ${delta}, λ ${lambda})`;
  }

  observe(x: number): boolean {
    this.n++;
    this.mean += (x - this.mean) / this.n;
    this.sum += x - this.mean - this.delta;
    this.min = Math.min(this.min, this.sum);
    return this.n >= 30 && this.sum - this.min >= this.lambda;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.sum = 0;
    this.min = 0;
  }
}
