import { randomBytes } from 'node:crypto';
import { openToken, sealToken, TokenCipherError } from '../../../src/domain/token-cipher';
import { tokenKeyOf } from '../../../src/config/broker.schema';

describe('token cipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const id = '6f1c2b1e-0000-4000-8000-000000000001';

  it('round-trips, with a fresh IV each time and no plaintext in the output', () => {
    const token = 'kite-access-token-abc123';
    const a = sealToken(token, key, id);
    const b = sealToken(token, key, id);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toContain(token);
    expect(openToken(a, key, id)).toBe(token);
    expect(openToken(b, key, id)).toBe(token);
  });

  it('refuses a changed byte, another key, another connection and other formats', () => {
    const sealed = sealToken('secret-token', key, id);
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    const attempts = [
      [v, iv, tag, flipped.toString('base64url')].join('.'),
      [v, iv, Buffer.alloc(16).toString('base64url'), body].join('.'),
      ['v2', iv, tag, body].join('.'),
      'secret-token',
      `${v}.${iv}.${tag}`,
    ];
    for (const attempt of attempts) {
      expect(() => openToken(attempt, key, id)).toThrow(TokenCipherError);
    }
    expect(() => openToken(sealed, randomBytes(32), id)).toThrow(TokenCipherError);
    expect(() => openToken(sealed, key, `${id}x`)).toThrow(TokenCipherError);
  });

  it('needs a 32-byte key', () => {
    expect(() => sealToken('t', randomBytes(16), id)).toThrow(TokenCipherError);
    expect(tokenKeyOf(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(tokenKeyOf(randomBytes(31).toString('base64'))).toBeNull();
    expect(tokenKeyOf('not base64!')).toBeNull();
  });
});
