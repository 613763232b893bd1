import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCallbackUrl, isPrivateAddress } from './callback-url.policy.js';

describe('callback URL policy', () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://0x7f000001/hook',
    'http://2130706433/hook',
    'http://0177.0.0.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:10.0.0.1]/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'http://localhost:8080/',
    'http://api.localhost/',
    'ftp://example.com/file',
    'javascript:alert(1)',
    'http://user:pass@example.com/',
    'not a url',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, async () => {
      const verdict = await checkCallbackUrl(url, []);
      assert.equal(verdict.ok, false);
    });
  }

  it('accepts public addresses', async () => {
    assert.equal((await checkCallbackUrl('https://93.184.215.14/hook', [])).ok, true);
    assert.equal((await checkCallbackUrl('https://[2606:4700::1111]/hook', [])).ok, true);
  });

  it('lets an admin allow-list a private host, by host or host:port', async () => {
    assert.equal((await checkCallbackUrl('http://127.0.0.1:4000/hook', ['127.0.0.1'])).ok, true);
    assert.equal((await checkCallbackUrl('http://127.0.0.1:4000/hook', ['127.0.0.1:4000'])).ok, true);
    assert.equal((await checkCallbackUrl('http://127.0.0.1:4001/hook', ['127.0.0.1:4000'])).ok, false);
  });

  it('classifies embedded IPv4 in IPv6 forms', () => {
    assert.equal(isPrivateAddress('::ffff:192.168.0.1'), true);
    assert.equal(isPrivateAddress('64:ff9b::a00:1'), true);
    assert.equal(isPrivateAddress('2002:7f00:1::'), true);
    assert.equal(isPrivateAddress('::ffff:8.8.8.8'), false);
    assert.equal(isPrivateAddress('8.8.8.8'), false);
    assert.equal(isPrivateAddress('garbage'), true);
  });
});
