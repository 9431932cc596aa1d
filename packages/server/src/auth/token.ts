import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalTokenText, decodeToken as decodeWireToken, encodeToken, tokenSigningBytes, type Token as WireToken, type TokenGrant } from '@roster/protocol';

/** The layout (CBOR, base64) is the protocol's, shared with the SDK; signing and verifying are here. */
export { tokenExpiresAt, type MetaValue, type TokenGrant } from '@roster/protocol';

export interface Token extends Omit<WireToken, 'signature'> {
  /** The 32-byte HMAC; it also identifies the token for revocation. */
  signature: Buffer;
}

export type TokenReading = { ok: true; token: Token } | { ok: false; reason: 'malformed' | 'signature' };

function sign(grant: TokenGrant, secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update(tokenSigningBytes(grant)).digest();
}

/** A token granting `grant`, signed with HMAC-SHA256 of the keyset's secret key. */
export function mintToken(grant: TokenGrant, secretKey: string): string {
  return encodeToken(grant, sign(grant, secretKey));
}

/** Decodes a token and checks its signature; expiry and revocation are the caller's checks. */
export function readToken(text: string, secretKey: string): TokenReading {
  const token = decodeToken(text);
  if (token === undefined) return { ok: false, reason: 'malformed' };
  const expected = sign(token, secretKey);
  if (token.signature.length !== expected.length || !timingSafeEqual(token.signature, expected)) {
    return { ok: false, reason: 'signature' };
  }
  // Only the canonical encoding is accepted, so no two strings carry the same grant.
  if (mintToken(token, secretKey) !== canonicalTokenText(text)) return { ok: false, reason: 'malformed' };
  return { ok: true, token };
}

/** The token's fields, or undefined when it is not a well-formed v2 token. */
export function decodeToken(text: string): Token | undefined {
  const token = decodeWireToken(text);
  return token && { ...token, signature: Buffer.from(token.signature) };
}
