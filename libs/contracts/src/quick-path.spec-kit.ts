import assert from 'node:assert/strict';
import { validateByDecorators } from './validation.js';

/** For the specs of quick paths (see quickPath), which check each one against class-validator. */

const ABSENT = Symbol('absent');

/**
 * A valid body, then one body per candidate of each field put on a fresh valid body (valid values,
 * boundaries either side, wrong types, null), and one with the field left out.
 */
export function fieldVariants(
  base: () => Record<string, unknown>,
  candidates: Record<string, unknown[]>,
): Record<string, unknown>[] {
  const out = [base()];
  for (const [field, values] of Object.entries(candidates)) {
    for (const value of [...values, ABSENT]) {
      const body = base();
      if (value === ABSENT) delete body[field];
      else body[field] = value;
      out.push(body);
    }
  }
  return out;
}

/**
 * Runs both paths on every body: the quick one may decline, but never accept what class-validator refuses,
 * and what it builds is what class-validator builds (an instance of `cls`, and whatever `check` asserts).
 * Answers how often each path judged.
 */
export function agreeWithClassValidator<T extends object>(
  cls: new () => T,
  quick: (plain: Record<string, unknown>) => T | null,
  bodies: Record<string, unknown>[],
  check: (built: T) => void = () => undefined,
): { quick: number; slow: number } {
  const taken = { quick: 0, slow: 0 };
  for (const body of bodies) {
    const fast = quick(body);
    let judged: T | Error;
    try {
      judged = validateByDecorators(cls, body);
    } catch (error) {
      judged = error as Error;
    }
    if (fast === null) {
      taken.slow++;
      continue;
    }
    taken.quick++;
    assert.ok(
      !(judged instanceof Error),
      `quick path took what class-validator refuses: ${JSON.stringify(body)}`,
    );
    assert.ok(fast instanceof cls);
    assert.deepEqual(fast, judged, JSON.stringify(body));
    check(fast);
  }
  return taken;
}
