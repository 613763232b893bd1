interface KeyState {
  last: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs `action(key)` at most once per `intervalMs` per key: at once when the key has been quiet, else once
 * more at the end of the interval, so the last change is never lost and a quiet key is never delayed.
 */
export class KeyedThrottle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly intervalMs: number,
    private readonly action: (key: string) => void,
  ) {}

  touch(key: string): void {
    const state = this.keys.get(key) ?? { last: 0, timer: undefined };
    this.keys.set(key, state);
    if (state.timer) return;
    const wait = state.last + this.intervalMs - Date.now();
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
