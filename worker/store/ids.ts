/** Random identifiers and secrets from the platform CSPRNG, in lowercase base32 (no look-alikes). */
import { base64UrlEncode } from "../lib/bytes";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let s = "";
  for (const b of bytes) s += ALPHABET[b & 31];
  return s;
}

export const newIntegrationId = () => "int_" + randomId(16);
export const newTokenId = () => "tok_" + randomId(16);
export const newRunId = () => "run_" + randomId(16);
/** ≥ 32 characters of CSPRNG output (5 bits each): 200 bits. */
export const newExternalId = () => "signpost-" + randomId(40);
/** API tokens: 256 bits. */
export const newApiToken = () => "sp_" + randomId(52);
export const newInviteId = () => "inv_" + randomId(16);

/** Invite tokens: 256 bits, base64url (they travel in a URL path). */
export function newInviteToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return base64UrlEncode(bytes);
}
