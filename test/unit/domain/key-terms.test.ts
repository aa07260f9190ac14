import { cidrWithin } from '../../../src/domain/cidr';
import { mintedKeyTerms } from '../../../src/domain/key-terms';
import { DEFAULT_KEY_SCOPES, SCOPES, type Scope } from '../../../src/domain/viewer';

const session = { scopes: [...SCOPES] };
const may = new Date('2027-05-01T00:00:00Z');
const june = new Date('2027-06-01T00:00:00Z');
const key = (terms: {
  scopes?: Scope[];
  allowedIps?: string[];
  expiresAt?: Date | null;
  requireSignature?: boolean;
}) => ({ apiKeyId: 'k1', scopes: [...SCOPES], ...terms });

describe('mintedKeyTerms', () => {
  it('gives a key named without scopes everything but manage:account', () => {
    const decision = mintedKeyTerms(session, {});
    expect(decision).toEqual({
      ok: true,
      terms: {
        scopes: [...DEFAULT_KEY_SCOPES],
        allowedIps: [],
        expiresAt: null,
        requireSignature: false,
      },
    });
    expect(DEFAULT_KEY_SCOPES).not.toContain('manage:account');
    expect(mintedKeyTerms(session, { scopes: ['manage:account'] })).toMatchObject({
      ok: true,
      terms: { scopes: ['manage:account'] },
    });
  });

  it('defaults to the default scopes the minter holds', () => {
    const minter = key({ scopes: ['read:market', 'manage:account'] });
    expect(mintedKeyTerms(minter, {})).toMatchObject({
      ok: true,
      terms: { scopes: ['read:market'] },
    });
  });

  it('refuses scopes beyond the minter, naming them', () => {
    const minter = key({ scopes: ['read:market', 'manage:account'] });
    expect(mintedKeyTerms(minter, { scopes: ['read:market', 'write:portfolio'] })).toMatchObject({
      ok: false,
      term: 'scopes',
      extensions: { scopes: ['write:portfolio'] },
    });
  });

  it('keeps allow-lists inside the minter’s, and applies the minter’s when none is asked', () => {
    const minter = key({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(mintedKeyTerms(minter, {})).toMatchObject({
      ok: true,
      terms: { allowedIps: ['10.0.0.0/8', '2001:db8::/32'] },
    });
    expect(mintedKeyTerms(minter, { allowedIps: [] })).toMatchObject({
      terms: { allowedIps: ['10.0.0.0/8', '2001:db8::/32'] },
    });
    expect(
      mintedKeyTerms(minter, { allowedIps: ['10.1.0.0/16', '10.2.3.4', '2001:db8:1::/48'] }),
    ).toMatchObject({
      ok: true,
      terms: { allowedIps: ['10.1.0.0/16', '10.2.3.4', '2001:db8:1::/48'] },
    });
    for (const wider of ['0.0.0.0/0', '10.0.0.0/7', '11.0.0.1', '2001:db8::/31', '::/0']) {
      expect(mintedKeyTerms(minter, { allowedIps: [wider] })).toMatchObject({
        ok: false,
        term: 'allowedIps',
        extensions: { outside: [wider] },
      });
    }
    // A session or a key usable anywhere pins nothing.
    expect(mintedKeyTerms(key({}), { allowedIps: ['0.0.0.0/0'] })).toMatchObject({ ok: true });
  });

  it('ends no later than the minter, and at its expiry when none is asked', () => {
    const minter = key({ expiresAt: june });
    expect(mintedKeyTerms(minter, {})).toMatchObject({ ok: true, terms: { expiresAt: june } });
    expect(mintedKeyTerms(minter, { expiresAt: may })).toMatchObject({ terms: { expiresAt: may } });
    expect(mintedKeyTerms(minter, { expiresAt: new Date(june.getTime() + 1) })).toMatchObject({
      ok: false,
      term: 'expiresAt',
    });
    // A session's access token expires in minutes; the keys it mints do not follow it.
    expect(mintedKeyTerms({ ...session, expiresAt: may }, { expiresAt: june })).toMatchObject({
      ok: true,
      terms: { expiresAt: june },
    });
  });

  it('signs whenever the minter signs', () => {
    const minter = key({ requireSignature: true });
    expect(mintedKeyTerms(minter, {})).toMatchObject({ terms: { requireSignature: true } });
    expect(mintedKeyTerms(minter, { requireSignature: false })).toMatchObject({
      ok: false,
      term: 'requireSignature',
    });
    expect(mintedKeyTerms(key({}), { requireSignature: true })).toMatchObject({
      terms: { requireSignature: true },
    });
  });
});

describe('cidrWithin', () => {
  it.each([
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['10.1.0.0/16', ['10.0.0.0/8'], true],
    ['10.0.0.0/8', ['10.0.0.0/8'], true],
    ['10.0.0.0/7', ['10.0.0.0/8'], false],
    ['192.168.0.0/16', ['10.0.0.0/8', '192.168.1.0/24'], false],
    ['192.168.1.128/25', ['10.0.0.0/8', '192.168.1.0/24'], true],
    ['::ffff:10.1.2.3', ['10.0.0.0/8'], true],
    ['2001:db8::1', ['10.0.0.0/8'], false],
    ['not an address', ['0.0.0.0/0'], false],
  ])('%s within %j: %s', (inner, outers, expected) => {
    expect(cidrWithin(inner, outers)).toBe(expected);
  });
});
