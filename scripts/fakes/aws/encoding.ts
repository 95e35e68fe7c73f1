/** Bytes, random identifiers, SigV4 percent-encoding and query parsing for the fake AWS. */
import { AwsError } from "./errors";
import type { ObjectBody } from "./model";

export type Query = Record<string, string | string[]>;

export const utf8 = new TextEncoder();
export const fromUtf8 = new TextDecoder();

export function toBytes(body: ObjectBody): Uint8Array {
  return typeof body === "string" ? utf8.encode(body) : body;
}

export function randomChars(n: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}

export function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export const UPPER_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` as uppercase %XX of UTF-8. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Percent-decodes one URI component. In strict mode the raw text must already be in
 * canonical RFC 3986 form, so a signer that emits any other encoding (a raw `+`, `*` or `!`,
 * lower-case hex, `%7E` for `~`) is caught here with a clear message.
 */
export function decodeComponent(raw: string, where: string, strict: boolean): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new AwsError(400, "InvalidRequest", `fake-aws: malformed percent-encoding in ${where}: "${raw}"`);
  }
  if (strict && rfc3986(decoded) !== raw) {
    throw new AwsError(400, "InvalidRequest", `fake-aws: ${where} "${raw}" is not canonical RFC 3986 encoding (expected "${rfc3986(decoded)}")`);
  }
  return decoded;
}

export function parseQuery(raw: string, strict: boolean): Query {
  const out: Query = {};
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), "query parameter name", strict);
    const value = decodeComponent(eq < 0 ? "" : part.slice(eq + 1), `value of query parameter ${key}`, strict);
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[0] : v;
}
