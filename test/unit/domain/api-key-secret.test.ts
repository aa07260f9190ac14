import { createHash } from 'node:crypto';
import { API_KEY_PATTERN, hashApiKey, issueApiKeySecret } from '../../../src/domain/api-key-secret';

describe('issueApiKeySecret', () => {
  it('issues yf_live_/yf_test_ keys with a display prefix, last four and SHA-256 hash', () => {
    for (const kind of ['live', 'test'] as const) {
      const key = issueApiKeySecret(kind);
      expect(key.secret).toMatch(API_KEY_PATTERN);
      expect(key.secret.startsWith(`yf_${kind}_`)).toBe(true);
      expect(key.prefix).toBe(key.secret.slice(0, 12));
      expect(key.lastFour).toBe(key.secret.slice(-4));
      expect(key.hash).toBe(createHash('sha256').update(key.secret).digest('hex'));
      expect(hashApiKey(key.secret)).toBe(key.hash);
    }
  });

  it('never repeats and uses the whole base62 alphabet', () => {
    const secrets = Array.from({ length: 2_000 }, () => issueApiKeySecret('live').secret);
    expect(new Set(secrets).size).toBe(secrets.length);
    const characters = new Set(secrets.join('').replace(/yf_live_/g, ''));
    expect(characters.size).toBe(62);
  });
});
