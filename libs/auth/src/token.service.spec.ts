import { AppConfig } from '@arbiter/config';
import jwt from 'jsonwebtoken';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenService } from './token.service.js';

const USER = '0198c3a2-6f1e-7c3b-9a4d-2b8e5f1c0d7e';
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';

function service(): TokenService {
  return new TokenService(Object.assign(new AppConfig(), { JWT_SECRET: SECRET, JWT_TTL_SECONDS: 60 }));
}

/** A token as Arbiter issues one, expiring `inSeconds` from now (negative: already expired). */
const tokenExpiring = (inSeconds: number, secret = SECRET) =>
  jwt.sign({ ver: 3, exp: Math.floor(Date.now() / 1000) + inSeconds }, secret, {
    algorithm: 'HS256',
    subject: USER,
    issuer: 'arbiter',
  });

describe('TokenService.verify', () => {
  it('answers the claims of a valid token, the same on every use', () => {
    const tokens = service();
    const token = tokens.issue(USER, 3);
    const first = tokens.verify(token);
    assert.equal(first?.sub, USER);
    assert.equal(first?.ver, 3);
    assert.deepEqual(tokens.verify(token), first);
  });

  it('refuses a token once it has expired, though it was verified while valid', async () => {
    const tokens = service();
    const token = tokenExpiring(1);
    assert.ok(tokens.verify(token));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal(tokens.verify(token), null);
    assert.equal(tokens.verify(token), null);
  });

  it('refuses expired, foreign-signed and malformed tokens', () => {
    const tokens = service();
    assert.equal(tokens.verify(tokenExpiring(-5)), null);
    assert.equal(tokens.verify(tokenExpiring(60, 'another-secret-of-at-least-thirty-two-bytes')), null);
    assert.equal(tokens.verify('not.a.token'), null);
  });
});
