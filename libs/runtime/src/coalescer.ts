interface Waiting<T, R> {
  items: T[];
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes that arrive while earlier ones are in flight share the next round trip, so one
 * commit (one fsync, one Redis pipeline) serves many callers. Each caller is answered only once the write
 * that carried its items has finished, with that write's result.
 */
export class Coalescer<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R>,
    private readonly maxInFlight = 4,
    private readonly maxItems = 500,
  ) {}

  submit(items: T[]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // Let the callers of this turn of the event loop join the same write.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const group: Waiting<T, R>[] = [];
    let count = 0;
    while (
      this.waiting.length > 0 &&
      (group.length === 0 || count + this.waiting[0]!.items.length <= this.maxItems)
    ) {
      const next = this.waiting.shift()!;
      group.push(next);
      count += next.items.length;
    }
    if (group.length === 0) return;
    this.inFlight++;
    try {
      const result = await this.write(group.flatMap((g) => g.items));
      for (const g of group) g.resolve(result);
    } catch (error) {
      // One bad caller must not fail the others it was grouped with: write each alone.
      if (group.length === 1) group[0]!.reject(error);
      else await Promise.all(group.map((g) => this.write(g.items).then(g.resolve, g.reject)));
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
