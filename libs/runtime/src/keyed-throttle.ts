import { performance } from 'node:perf_hooks';

interface KeyState {
  last: number;
  timer: NodeJS.Timeout | undefined;
  /** An action that answered a promise has not settled yet. */
  running: boolean;
  /** Touched while the action ran: it runs once more after. */
  again: boolean;
  /** How long the last action that answered a promise took to settle, in milliseconds. */
  tookMs: number;
}

/**
 * Runs `action(key)` at most once per interval per key: at once when the key has been quiet, else once more
 * at the end of the interval, so the last change is never lost and a quiet key is never delayed. An action
 * that answers a promise runs one at a time per key: a touch while it runs makes one more run after it. The
 * interval is a number of milliseconds, or asked of `intervalMs(key, tookMs)` each time a touch must wait,
 * with how long the key's last such action took.
 */
export class KeyedThrottle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly intervalMs: number | ((key: string, tookMs: number) => number),
    private readonly action: (key: string) => unknown,
  ) {}

  touch(key: string): void {
    let state = this.keys.get(key);
    if (!state) {
      state = { last: 0, timer: undefined, running: false, again: false, tookMs: 0 };
      this.keys.set(key, state);
    }
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.timer) return;
    const interval =
      typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs(key, state.tookMs);
    const wait = state.last + interval - Date.now();
    if (wait <= 0) return this.run(key, state);
    const waiting = state;
    state.timer = setTimeout(() => {
      waiting.timer = undefined;
      this.run(key, waiting);
    }, wait);
    state.timer.unref();
  }

  clear(): void {
    for (const state of this.keys.values()) clearTimeout(state.timer);
    this.keys.clear();
  }

  private run(key: string, state: KeyState): void {
    state.last = Date.now();
    const result = this.action(key);
    if (!(result instanceof Promise)) return;
    state.running = true;
    const started = performance.now();
    void result
      .catch(() => undefined)
      .finally(() => {
        state.running = false;
        state.tookMs = performance.now() - started;
        // Cleared meanwhile (shutdown): nothing runs again.
        if (state.again && this.keys.get(key) === state) {
          state.again = false;
          this.touch(key);
        }
      });
  }
}
