import { readFileSync } from 'node:fs';

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

export interface RssSample {
  startBytes: number;
  peakBytes: number;
  growthBytes: number;
  samples: number;
}

/** Samples a process's RSS every `everyMs` until stopped; reports the start and the peak. */
export class RssSampler {
  readonly startBytes: number;
  peakBytes: number;
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.startBytes = rssOf(pid);
    this.peakBytes = this.startBytes;
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    try {
      this.peakBytes = Math.max(this.peakBytes, rssOf(this.pid));
      this.samples++;
    } catch {
      // The process is gone; the caller notices.
    }
  }

  stop(): RssSample {
    clearInterval(this.timer);
    this.sample();
    return {
      startBytes: this.startBytes,
      peakBytes: this.peakBytes,
      growthBytes: this.peakBytes - this.startBytes,
      samples: this.samples,
    };
  }
}
