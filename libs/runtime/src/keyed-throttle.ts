interface KeyState {
  last: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs `action(key)` at most once per interval per key: at once when the key has been quiet, else once more
 * at the end of the interval, so the last change is never lost and a quiet key is never delayed. The interval
 * is a number of milliseconds, or asked of `intervalMs(key)` each time a touch must wait.
 */
export class KeyedThrottle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly intervalMs: number | ((key: string) => number),
    private readonly action: (key: string) => void,
  ) {}

  touch(key: string): void {
    const state = this.keys.get(key) ?? { last: 0, timer: undefined };
    this.keys.set(key, state);
    if (state.timer) return;
    const interval = typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs(key);
    const wait = state.last + interval - Date.now();
    if (wait <= 0) {
      state.last = Date.now();
      this.action(key);
      return;
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.last = Date.now();
      this.action(key);
    }, wait);
    state.timer.unref();
  }

  clear(): void {
    for (const state of this.keys.values()) clearTimeout(state.timer);
    this.keys.clear();
  }
}
