import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_PASSWORD_LOG_N,
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './password.js';

describe('password hashing (scrypt)', () => {
  it('hashes at N = 2^17, r = 8, p = 1 by default, and verifies', async () => {
    assert.equal(DEFAULT_PASSWORD_LOG_N, 17);
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$131072\$8\$1\$/);
    assert.equal(stored.includes('correct horse'), false);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(needsRehash(stored), false);
  });

  it('verifies hashes made with other parameters, and says they need redoing', async () => {
    const older = await hashPassword('correct horse battery staple', 14);
    assert.match(older, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery staple', older), true);
    assert.equal(await verifyPassword('correct horse battery stapl', older), false);
    assert.equal(needsRehash(older), true);
    assert.equal(needsRehash(older, 14), false);
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('same', 12), await hashPassword('same', 12));
  });

  it('matches nothing with the dummy hash, a malformed one, or one asking for absurd memory', async () => {
    assert.equal(await verifyPassword('', dummyPasswordHash(12)), false);
    assert.match(dummyPasswordHash(), /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword('x', 'md5$abc'), false);
    const greedy = dummyPasswordHash(12).replace('scrypt$4096$', 'scrypt$1073741824$');
    assert.equal(await verifyPassword('x', greedy), false);
  });
});
