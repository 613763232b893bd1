import { AppConfig } from '@arbiter/config';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';

export interface AccessTokenClaims {
  sub: string;
}

/** Access tokens: HS256 only (the algorithm is pinned on verify too), with an expiry that is always checked. */
@Injectable()
export class TokenService {
  constructor(private readonly config: AppConfig) {}

  issue(userId: string): string {
    return jwt.sign({}, this.config.JWT_SECRET, {
      algorithm: 'HS256',
      subject: userId,
      expiresIn: this.config.JWT_TTL_SECONDS,
      issuer: 'arbiter',
    });
  }

  /** The claims of a valid token, or null for anything else (bad signature, other algorithm, expired). */
  verify(token: string): AccessTokenClaims | null {
    try {
      const claims = jwt.verify(token, this.config.JWT_SECRET, { algorithms: ['HS256'], issuer: 'arbiter' });
      return typeof claims === 'object' && typeof claims.sub === 'string' ? { sub: claims.sub } : null;
    } catch {
      return null;
    }
  }
}
