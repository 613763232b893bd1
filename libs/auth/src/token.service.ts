import { AppConfig } from '@arbiter/config';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { createSecretKey, type KeyObject } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tokens whose signature was checked, kept until they expire; cleared whole when this many are held. */
const VERIFIED_MAX = 10_000;

export interface AccessTokenClaims {
  sub: string;
  /** The user's token version when it was issued (0 for tokens from before versions). */
  ver: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Access tokens: HS256 only (the algorithm is pinned on verify too), with an expiry that is always checked. */
@Injectable()
export class TokenService {
  /** Made once: given a string, jsonwebtoken first tries to parse it as a public key on every call. */
  private readonly key: KeyObject;
  /**
   * A reviewer's socket sends every event with the same token: its signature is checked once, its expiry
   * every time. Revocation does not live here: a token's user and token version are read on each use.
   */
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.JWT_SECRET));
  }

  issue(userId: string, version: number): string {
    return jwt.sign({ ver: version }, this.key, {
      algorithm: 'HS256',
      subject: userId,
      expiresIn: this.config.JWT_TTL_SECONDS,
      issuer: 'arbiter',
    });
  }

  /** The claims of a valid token, or null for anything else (bad signature, other algorithm, expired). */
  verify(token: string): AccessTokenClaims | null {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
      return null;
    }
    const claims = this.check(token);
    if (claims) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.set(token, claims);
    }
    return claims;
  }

  private check(token: string): AccessTokenClaims | null {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: 'arbiter' });
      // jsonwebtoken accepts a token without `exp` as never expiring; ours always carry one. Subjects are
      // user ids (UUIDs): anything else would reach Postgres as an invalid uuid.
      if (typeof claims !== 'object' || typeof claims.exp !== 'number' || typeof claims.sub !== 'string')
        return null;
      const ver: unknown = claims['ver'] ?? 0;
      return UUID.test(claims.sub) && Number.isInteger(ver)
        ? { sub: claims.sub, ver: ver as number, exp: claims.exp }
        : null;
    } catch {
      return null;
    }
  }
}
