import { configureLimits, DomainError, limits } from '@arbiter/contracts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertJsonShape, parseJsonBody } from './json-body.parser.js';

function refused(text: string): string {
  try {
    parseJsonBody(text);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    return error.details?.[0]?.message ?? '';
  }
  assert.fail(`accepted ${text.slice(0, 80)}`);
}

describe('JSON body parser', () => {
  const saved = { ...limits };
  before(() => configureLimits({ jsonDepth: 32, jsonStringLength: 100, jsonArrayLength: 10 }));
  after(() => configureLimits(saved));

  it('parses ordinary JSON', () => {
    assert.deepEqual(parseJsonBody('{"a":[1,2,{"b":"c"}]}'), { a: [1, 2, { b: 'c' }] });
  });

  it('refuses nesting deeper than the limit, counting objects and arrays', () => {
    assert.doesNotThrow(() => assertJsonShape('['.repeat(32) + ']'.repeat(32)));
    assert.match(refused('['.repeat(33) + ']'.repeat(33)), /nested deeper than 32/);
    assert.match(refused('{"a":'.repeat(40) + '1' + '}'.repeat(40)), /nested deeper/);
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    assert.deepEqual(parseJsonBody(JSON.stringify({ s: '[[[[\\"{{{{' + '['.repeat(50) })), {
      s: '[[[[\\"{{{{' + '['.repeat(50),
    });
  });

  it('refuses strings and arrays over their limits', () => {
    assert.match(refused(JSON.stringify({ s: 'x'.repeat(101) })), /longer than 100/);
    assert.match(
      refused(JSON.stringify({ a: Array.from({ length: 11 }, () => 0) })),
      /more than 10 elements/,
    );
    assert.doesNotThrow(() =>
      parseJsonBody(JSON.stringify({ a: Array.from({ length: 10 }, () => [1, 2, 3]) })),
    );
  });

  it('refuses prototype keys wherever they are, also when escaped', () => {
    assert.match(refused('{"a":{"__proto__":{"x":1}}}'), /__proto__/);
    assert.match(refused('{"a":[{"constructor":{"prototype":{}}}]}'), /constructor/);
    assert.match(refused('{"\\u005f_proto__":1}'), /__proto__/);
    assert.deepEqual(parseJsonBody('{"text":"the constructor of this house"}'), {
      text: 'the constructor of this house',
    });
  });

  it('refuses malformed and empty bodies', () => {
    assert.match(refused('{"a":'), /not valid JSON/);
    assert.match(refused(''), /empty/);
  });
});
