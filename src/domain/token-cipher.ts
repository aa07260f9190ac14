import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown by {@link openToken} when a stored token cannot be decrypted. */
export class TokenCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCipherError';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new TokenCipherError('the token key must be 32 bytes');
}

/**
 * Encrypts a broker token with AES-256-GCM under `key`: a random 12-byte IV per token,
 * the 16-byte tag, and `context` (the connection's id) as additional data, so that a
 * ciphertext copied onto another row does not decrypt there. The result is
 * `v1.<iv>.<tag>.<ciphertext>`, each part base64url; the version leaves room to rotate
 * the scheme or the key.
 */
export function sealToken(plaintext: string, key: Buffer, context: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

/**
 * Decrypts what {@link sealToken} wrote. A wrong key, another context, or any changed
 * byte fails the tag check: {@link TokenCipherError}, never a wrong token.
 */
export function openToken(sealed: string, key: Buffer, context: string): string {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new TokenCipherError('not a v1 sealed token');
  }
  const [iv, tag, body] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new TokenCipherError('malformed sealed token');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenCipherError('the sealed token does not authenticate (wrong key or changed)');
  }
}
