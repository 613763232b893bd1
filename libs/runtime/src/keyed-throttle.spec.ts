import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedThrottle } from './keyed-throttle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedThrottle', () => {
  it('runs at once for a quiet key, then at most once per interval, ending with a trailing run', async () => {
    const runs: [string, number][] = [];
    const start = Date.now();
    const throttle = new KeyedThrottle(50, (key) => runs.push([key, Date.now() - start]));
    throttle.touch('a');
    assert.equal(runs.length, 1, 'the first touch runs immediately');
    for (let i = 0; i < 10; i++) throttle.touch('a');
    throttle.touch('b');
    assert.deepEqual(
      runs.map(([k]) => k),
      ['a', 'b'],
      'other keys are independent',
    );
    await sleep(80);
    assert.deepEqual(
      runs.map(([k]) => k),
      ['a', 'b', 'a'],
      'touches within the interval collapse into one trailing run',
    );
    assert.ok(runs[2]![1] >= 45, `trailing run after the interval (${runs[2]![1]} ms)`);
    throttle.clear();
  });

  it('keeps each key to its own interval', async () => {
    const runs: [string, number][] = [];
    const start = Date.now();
    const throttle = new KeyedThrottle(
      (key) => (key === 'slow' ? 120 : 20),
      (key) => runs.push([key, Date.now() - start]),
    );
    for (const key of ['slow', 'fast', 'slow', 'fast']) throttle.touch(key);
    await sleep(60);
    assert.deepEqual(
      runs.map(([k]) => k),
      ['slow', 'fast', 'fast'],
      'the fast key ran again after its own interval, the slow one not yet',
    );
    await sleep(100);
    assert.deepEqual(
      runs.map(([k]) => k),
      ['slow', 'fast', 'fast', 'slow'],
    );
    assert.ok(runs[3]![1] >= 115, `slow key's trailing run after its interval (${runs[3]![1]} ms)`);
    throttle.clear();
  });

  it('runs an action answering a promise one at a time, once more after it if touched meanwhile', async () => {
    const started: number[] = [];
    const asked: number[] = [];
    const start = Date.now();
    const throttle = new KeyedThrottle(
      (_key, tookMs) => {
        asked.push(tookMs);
        return 10;
      },
      async () => {
        started.push(Date.now() - start);
        await sleep(60);
      },
    );
    throttle.touch('a');
    await sleep(20);
    throttle.touch('a');
    throttle.touch('a');
    assert.equal(started.length, 1, 'not again while the first runs, though its interval has passed');
    await sleep(80);
    assert.equal(started.length, 2, 'once more after it, for the touches made while it ran');
    assert.ok(started[1]! >= 55, `the second began after the first ended (${started[1]} ms)`);
    assert.ok(
      asked.at(-1)! >= 55,
      `the interval was asked with the first run's duration (${asked.at(-1)} ms)`,
    );
    await sleep(80);
    assert.equal(started.length, 2, 'and no more');
    throttle.clear();
  });
});
