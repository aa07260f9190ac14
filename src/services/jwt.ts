import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims of a Yieldflow access token. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  iss: string;
  aud: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  /** Token id. */
  jti: string;
}

/** Why a token was refused (never shown to clients beyond "invalid or expired"). */
export class JwtError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'JwtError';
  }
}

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** Signs claims as a compact HS256 JWT. */
export function signJwt(claims: AccessClaims, secret: string): string {
  const input = `${b64url(JSON.stringify(HEADER))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign(input, secret))}`;
}

/**
 * Verifies a compact JWT: the algorithm is pinned to HS256 (a token claiming any other,
 * `none` included, is refused before any signature check), the signature is compared
 * in constant time, and exp, iat, iss and aud are checked.
 */
export function verifyJwt(
  token: string,
  secret: string,
  expected: { iss: string; aud: string; now?: number; leewaySeconds?: number },
): AccessClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a compact JWT');
  const [header64, claims64, signature64] = parts;
  const header = decodePart(header64) as { alg?: unknown; typ?: unknown };
  const claims = decodePart(claims64) as Partial<AccessClaims>;
  if (header.alg !== 'HS256') throw new JwtError('algorithm not accepted');
  const expectedSignature = sign(`${header64}.${claims64}`, secret);
  const actual = Buffer.from(signature64, 'base64url');
  if (actual.length !== expectedSignature.length || !timingSafeEqual(actual, expectedSignature)) {
    throw new JwtError('bad signature');
  }
  const now = expected.now ?? Math.floor(Date.now() / 1_000);
  const leeway = expected.leewaySeconds ?? 5;
  if (claims.iss !== expected.iss) throw new JwtError('wrong issuer');
  if (claims.aud !== expected.aud) throw new JwtError('wrong audience');
  if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') {
    throw new JwtError('missing subject');
  }
  if (!Number.isFinite(claims.exp) || claims.exp! + leeway <= now) throw new JwtError('expired');
  if (!Number.isFinite(claims.iat) || claims.iat! - leeway > now)
    throw new JwtError('issued in the future');
  return claims as AccessClaims;
}

// A part must be base64url of a JSON object: `null`, an array, a number or bytes that are
// not JSON are refused here, so that nothing downstream reads a property of a non-object.
function decodePart(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new JwtError('undecodable');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('undecodable');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtError('not a JSON object');
  }
  return value as Record<string, unknown>;
}
