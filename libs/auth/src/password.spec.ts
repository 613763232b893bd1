import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$16384\$8\$1\$/);
    assert.equal(stored.includes('correct horse'), false);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  it('matches nothing with the dummy hash or a malformed one', async () => {
    assert.equal(await verifyPassword('', DUMMY_PASSWORD_HASH), false);
    assert.equal(await verifyPassword('x', 'md5$abc'), false);
  });
});
