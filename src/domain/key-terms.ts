import { cidrWithin } from './cidr';
import { DEFAULT_KEY_SCOPES, type Scope, type Viewer } from './viewer';

/** The terms a key is issued with: what it may do, from where, until when, signed or not. */
export interface KeyTerms {
  scopes: Scope[];
  /** CIDR blocks; empty is anywhere. */
  allowedIps: string[];
  expiresAt: Date | null;
  requireSignature: boolean;
}

/** What the creator of a key asked for; unset terms take the minter's (or the defaults). */
export interface RequestedTerms {
  scopes?: readonly Scope[] | null;
  allowedIps?: readonly string[] | null;
  expiresAt?: Date | null;
  requireSignature?: boolean | null;
}

/** Which term a request would exceed its minter in. */
export type ExceededTerm = 'scopes' | 'allowedIps' | 'expiresAt' | 'requireSignature';

/** The terms to issue, or the term that exceeds the minter and why. */
export type TermsDecision =
  | { ok: true; terms: KeyTerms }
  | { ok: false; term: ExceededTerm; message: string; extensions: Record<string, unknown> };

/**
 * The terms of a key minted by `minter`. A session (no `apiKeyId`) is bounded by nothing
 * but its scopes. A key never mints beyond itself (PRODUCT.md, "Authentication"): scopes a
 * subset of its own, each allowed CIDR inside one of its blocks (its list when none is
 * asked), an expiry no later than its own (its own when none is asked), and signing
 * whenever it signs. Unnamed scopes default to {@link DEFAULT_KEY_SCOPES} held by the minter.
 */
export function mintedKeyTerms(
  minter: Pick<Viewer, 'apiKeyId' | 'scopes' | 'allowedIps' | 'expiresAt' | 'requireSignature'>,
  requested: RequestedTerms,
): TermsDecision {
  const held = minter.scopes;
  const scopes = [
    ...new Set(requested.scopes ?? DEFAULT_KEY_SCOPES.filter((s) => held.includes(s))),
  ];
  const beyond = scopes.filter((scope) => !held.includes(scope));
  if (beyond.length > 0) {
    return refuse('scopes', `You cannot grant scopes you do not hold: ${beyond.join(', ')}`, {
      scopes: beyond,
      allowed: [...held],
    });
  }
  const allowedIps = [...(requested.allowedIps ?? [])];
  const expiresAt = requested.expiresAt ?? null;
  const requireSignature = requested.requireSignature ?? false;
  if (!minter.apiKeyId) {
    return { ok: true, terms: { scopes, allowedIps, expiresAt, requireSignature } };
  }

  const minterIps = minter.allowedIps ?? [];
  if (minterIps.length > 0) {
    const outside = allowedIps.filter((cidr) => !cidrWithin(cidr, minterIps));
    if (outside.length > 0) {
      return refuse(
        'allowedIps',
        `allowedIps must lie within this key's own allow-list: ${outside.join(', ')}`,
        { outside, allowed: [...minterIps] },
      );
    }
  }
  const minterExpiry = minter.expiresAt ?? null;
  if (minterExpiry && expiresAt && expiresAt > minterExpiry) {
    return refuse(
      'expiresAt',
      `expiresAt cannot be later than this key's own expiry (${minterExpiry.toISOString()})`,
      { max: minterExpiry.toISOString() },
    );
  }
  if (minter.requireSignature && requested.requireSignature === false) {
    return refuse(
      'requireSignature',
      'A key that signs its requests mints only keys that sign',
      {},
    );
  }
  return {
    ok: true,
    terms: {
      scopes,
      allowedIps: allowedIps.length > 0 ? allowedIps : [...minterIps],
      expiresAt: expiresAt ?? minterExpiry,
      requireSignature: requireSignature || (minter.requireSignature ?? false),
    },
  };
}

function refuse(
  term: ExceededTerm,
  message: string,
  extensions: Record<string, unknown>,
): TermsDecision {
  return { ok: false, term, message, extensions: { argument: term, ...extensions } };
}
