import { Injectable } from '@nestjs/common';
import type { LookupAddress } from 'node:dns';
import { Resolver } from 'node:dns/promises';

export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/**
 * DNS for callback hosts through c-ares (`dns.Resolver`), not `dns.lookup`: lookup runs getaddrinfo on
 * libuv's thread pool, the pool scrypt hashes passwords on, so slow or hostile DNS could stall sign-ins
 * and sign-ins could stall deliveries. It asks the nameservers of /etc/resolv.conf; names that exist only in
 * /etc/hosts are not seen (allow-list such hosts, or use their address).
 */
export const callbackDns = new Resolver({ timeout: 2000, tries: 2 });

/** Every A and AAAA address of `hostname`; ENOTFOUND when it has none. */
export const resolveCallbackHost: ResolveHost = async (hostname) => {
  const [v4, v6] = await Promise.allSettled([callbackDns.resolve4(hostname), callbackDns.resolve6(hostname)]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
  ];
  if (addresses.length > 0) return addresses;
  throw Object.assign(new Error(`no address found for ${hostname}`), { code: 'ENOTFOUND', hostname });
};

/**
 * Turns a callback host name into addresses. The resolver above by default; tests (or a deployment with its
 * own DNS) swap in another with `use`.
 */
@Injectable()
export class HostResolver {
  private strategy: ResolveHost = resolveCallbackHost;

  resolve(hostname: string): Promise<LookupAddress[]> {
    return this.strategy(hostname);
  }

  use(strategy: ResolveHost | null): void {
    this.strategy = strategy ?? resolveCallbackHost;
  }
}
