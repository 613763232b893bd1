import { DomainError } from '@arbiter/contracts';

/**
 * A fixed number of slots for heavy work in one process (a chain verification, an export): beyond them a
 * request is refused with RATE_LIMITED and a Retry-After rather than queued, so a burst cannot pile up
 * connections and CPU.
 */
export class Slots {
  private taken = 0;

  constructor(
    private readonly size: number,
    private readonly busy: string,
    private readonly retryAfterSeconds = 5,
  ) {}

  /** Takes a slot; the returned function gives it back (once, however often it is called). */
  take(): () => void {
    if (this.taken >= this.size) {
      throw new DomainError('RATE_LIMITED', this.busy, undefined, this.retryAfterSeconds);
    }
    this.taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
    };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = this.take();
    try {
      return await work();
    } finally {
      release();
    }
  }
}
