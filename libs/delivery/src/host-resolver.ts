import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';

export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: ResolveHost = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Turns a callback host name into addresses. The system resolver by default; tests (or a deployment with
 * its own DNS) swap in another with `use`.
 */
@Injectable()
export class HostResolver {
  private strategy: ResolveHost = systemResolve;

  resolve(hostname: string): Promise<LookupAddress[]> {
    return this.strategy(hostname);
  }

  use(strategy: ResolveHost | null): void {
    this.strategy = strategy ?? systemResolve;
  }
}
