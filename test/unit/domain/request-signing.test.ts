import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  signatureMatches,
  signRequest,
  stringToSign,
  targetParts,
} from '../../../src/domain/request-signing';
import { signAsClient } from '../../helpers/signing';

const doc = readFileSync(path.join(__dirname, '../../../docs/signing.md'), 'utf8');
const secret = 'yf_sign_0123456789abcdefghijABCDEFGHIJ0123456789';
const post = {
  method: 'POST',
  path: '/graphql',
  query: '',
  keyPrefix: 'yf_live_3kQ9',
  timestamp: '1767225600',
  body: '{"query":"{ quote(symbol: \\"AAPL\\") { price } }"}',
};

describe('request signing (docs/signing.md)', () => {
  it('gives the worked example’s string to sign and signature', () => {
    expect(doc).toContain(secret);
    expect(doc).toContain(`\`\`\`text\n${post.body}\n\`\`\``);
    expect(doc).toContain(`\`\`\`text\n${stringToSign(post)}\n\`\`\``);
    const signature = signRequest(secret, post);
    expect(doc).toContain(`x-yf-signature: ${signature}`);
    // A client following the document alone gets the same.
    expect(signAsClient(secret, { ...post, target: '/graphql', timestamp: post.timestamp })).toBe(
      signature,
    );
  });

  it('gives the WebSocket example’s signature (GET, the upgrade’s query string, no body)', () => {
    const upgrade = { ...post, method: 'GET', query: 'client=dashboard', body: '' };
    expect(doc).toContain(`"signature": "${signRequest(secret, upgrade)}"`);
  });

  it('matches in any hex case, and nothing that is not 64 hex digits', () => {
    const signature = signRequest(secret, post);
    expect(signatureMatches(secret, post, signature.toUpperCase())).toBe(true);
    for (const bad of ['', signature.slice(1), `${signature}0`, 'z'.repeat(64)]) {
      expect(signatureMatches(secret, post, bad)).toBe(false);
    }
  });

  it('splits a request target into the path and the query string as sent', () => {
    expect(targetParts('/graphql')).toEqual({ path: '/graphql', query: '' });
    expect(targetParts('/graphql?b=2&a=1?x')).toEqual({ path: '/graphql', query: 'b=2&a=1?x' });
    expect(targetParts(undefined)).toEqual({ path: '/', query: '' });
  });
});
