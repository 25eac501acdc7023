import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { parseOpenSshPublicKey, sshFingerprint } from './ssh-keys.js';

/** An OpenSSH line from raw parts (the wire format is a sequence of length-prefixed strings). */
function line(type: string, parts: Buffer[], comment = 'me@host'): string {
  const blob = Buffer.concat(
    [type, ...parts].map((p) => {
      const b = typeof p === 'string' ? Buffer.from(p) : p;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    }),
  );
  return `${type} ${blob.toString('base64')} ${comment}`;
}

test('OpenSSH public key lines are parsed, checked and fingerprinted as OpenSSH does', () => {
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(ed.x ?? '', 'base64url');
  const r = parseOpenSshPublicKey(line('ssh-ed25519', [raw]));
  assert.ok(r.ok);
  assert.equal(r.value.algorithm, 'ssh-ed25519');
  assert.equal(r.value.comment, 'me@host');
  assert.equal(r.value.fingerprint, sshFingerprint(r.value.blob));
  assert.match(r.value.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);

  const rsa = (bits: number) => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({
      format: 'jwk',
    });
    return line('ssh-rsa', [
      Buffer.from(jwk.e ?? '', 'base64url'),
      Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n ?? '', 'base64url')]),
    ]);
  };
  assert.ok(parseOpenSshPublicKey(rsa(2048)).ok);
  const weak = parseOpenSshPublicKey(rsa(1024));
  assert.ok(!weak.ok && /at least 2048 bits/.test(weak.error[0]?.message ?? ''));

  const cases: [string, RegExp][] = [
    ['', /one OpenSSH public key line/],
    ['ssh-dss AAAAB3NzaC1kc3MAAACBAP', /unsupported key type ssh-dss/],
    ['ssh-ed25519 !!!', /not valid base64/],
    [line('ssh-rsa', [raw]).replace(/^ssh-rsa/, 'ssh-ed25519'), /not a ssh-ed25519 public key/],
    [line('ssh-ed25519', [raw.subarray(0, 16)]), /not an Ed25519 public key/],
    ['ssh-ed25519 AAAA\nssh-ed25519 AAAA', /one OpenSSH public key line/],
  ];
  for (const [text, why] of cases) {
    const p = parseOpenSshPublicKey(text);
    assert.ok(!p.ok, text);
    assert.equal(p.error[0]?.path, 'publicKey');
    assert.match(p.error[0]?.message ?? '', why, text);
  }
});
