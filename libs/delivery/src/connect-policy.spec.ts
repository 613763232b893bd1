import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { assertConnectable, CallbackRefused, isAllowListed, vettedLookup } from './connect-policy.js';
import type { ResolveHost } from './host-resolver.js';

function lookupWith(resolve: ResolveHost, allowed: boolean, all: boolean) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[] }>((done) => {
    vettedLookup(resolve, allowed)('hooks.example.com', { all }, (error, address) =>
      done({ error, address }),
    );
  });
}

describe('connect-time SSRF policy', () => {
  const to =
    (...addresses: string[]): ResolveHost =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name resolving to a private address, even beside a public one', async () => {
    for (const bad of ['127.0.0.1', '10.0.0.7', '169.254.169.254', '::1', 'fd00::1', '::ffff:192.168.1.1']) {
      const { error } = await lookupWith(to('93.184.215.14', bad), false, true);
      assert.ok(error instanceof CallbackRefused, `${bad}: ${String(error)}`);
      assert.match(error.message, /non-public address/);
    }
  });

  it('hands the socket exactly the addresses it vetted, resolving once', async () => {
    let calls = 0;
    // A rebinding resolver: public on the first answer, loopback afterwards.
    const rebinding: ResolveHost = async () =>
      calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const single = await lookupWith(rebinding, false, false);
    assert.equal(single.error, null);
    assert.equal(single.address, '93.184.215.14');
    assert.equal(calls, 1);
    const all = await lookupWith(to('93.184.215.14', '2606:4700::1111'), false, true);
    assert.deepEqual(all.address, [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
  });

  it('lets an allow-listed host resolve to a private address', async () => {
    const { error, address } = await lookupWith(to('127.0.0.1'), true, false);
    assert.equal(error, null);
    assert.equal(address, '127.0.0.1');
  });

  it('passes resolver failures on', async () => {
    const { error } = await lookupWith(
      async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
      false,
      false,
    );
    assert.match(String(error), /ENOTFOUND/);
    const empty = await lookupWith(async () => [], false, true);
    assert.match(String(empty.error), /no address/);
  });

  it('refuses private IP literals, which Node connects to without a lookup', () => {
    for (const url of [
      'http://0x7f000001/',
      'http://[::ffff:10.0.0.1]/',
      'http://[::1]/',
      'http://169.254.169.254/',
    ]) {
      assert.throws(() => assertConnectable(new URL(url), false), CallbackRefused, url);
    }
    assert.doesNotThrow(() => assertConnectable(new URL('http://127.0.0.1:8080/'), true));
    assert.throws(() => assertConnectable(new URL('ftp://example.com/'), true), CallbackRefused);
    assert.throws(() => assertConnectable(new URL('http://u:p@example.com/'), true), CallbackRefused);
  });

  it('allow-lists by host or by host:port', () => {
    assert.equal(isAllowListed(new URL('http://127.0.0.1:4000/x'), ['127.0.0.1']), true);
    assert.equal(isAllowListed(new URL('http://127.0.0.1:4000/x'), ['127.0.0.1:4000']), true);
    assert.equal(isAllowListed(new URL('http://127.0.0.1:4001/x'), ['127.0.0.1:4000']), false);
    assert.equal(isAllowListed(new URL('http://0x7f000001/'), ['127.0.0.1:4000']), false);
    assert.equal(isAllowListed(new URL('http://[::1]:4000/'), ['::1']), true);
  });
});
