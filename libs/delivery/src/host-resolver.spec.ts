import assert from 'node:assert/strict';
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { checkCallbackUrl } from './callback-url.policy.js';
import { callbackDns, resolveCallbackHost } from './host-resolver.js';

/** A DNS server on loopback answering A queries from `answers` (NODATA for anything else). */
async function fakeDns(answers: Record<string, string>) {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let at = 12;
    const labels: string[] = [];
    while (query[at]! > 0) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString());
      at += query[at]! + 1;
    }
    const questionEnd = at + 5;
    const type = query.readUInt16BE(at + 1);
    const address = type === 1 ? answers[labels.join('.')] : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(address ? 1 : 0, 6);
    const answer = address
      ? Buffer.concat([
          Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]),
          Buffer.from(address.split('.').map(Number)),
        ])
      : Buffer.alloc(0);
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

describe('callback host resolution', () => {
  let dns: Awaited<ReturnType<typeof fakeDns>>;
  let servers: string[];

  before(async () => {
    dns = await fakeDns({ 'hooks.example.test': '10.0.0.5', 'public.example.test': '93.184.215.14' });
    servers = callbackDns.getServers();
    callbackDns.setServers([`127.0.0.1:${dns.port}`]);
  });
  after(() => {
    callbackDns.setServers(servers);
    dns.close();
  });

  it('resolves through the resolver, and refuses a name that has no address', async () => {
    assert.deepEqual(await resolveCallbackHost('public.example.test'), [
      { address: '93.184.215.14', family: 4 },
    ]);
    await assert.rejects(resolveCallbackHost('nothing.example.test'), { code: 'ENOTFOUND' });
  });

  it("does not wait for libuv's thread pool, which password hashing may fill", async () => {
    // Four long jobs fill the default pool of four threads (dns.lookup would queue behind them).
    let iterations = 20_000;
    const started = performance.now();
    pbkdf2Sync('x', 'salt', iterations, 64, 'sha512');
    iterations = Math.ceil((iterations * 1500) / Math.max(1, performance.now() - started));
    const busy = Array.from(
      { length: 4 },
      () => new Promise((resolve) => pbkdf2('x', 'salt', iterations, 64, 'sha512', resolve)),
    );
    const t0 = performance.now();
    const verdict = await checkCallbackUrl('https://hooks.example.test/arbiter', []);
    const took = performance.now() - t0;
    const poolFreeAfter = await Promise.all(busy).then(() => performance.now() - t0);
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.reason, /non-public address \(10\.0\.0\.5\)/);
    assert.ok(
      took < poolFreeAfter / 3,
      `the check took ${took} ms; the pool was busy for ${poolFreeAfter} ms`,
    );
  });
});
