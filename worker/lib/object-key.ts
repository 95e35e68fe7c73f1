/**
 * Object keys, whatever the cloud: S3's URI encoding (also GCS V4's and Azure's paths),
 * decoding keys out of request paths, and the rule that decides which keys may be signed at
 * all (SPEC "Keys in paths").
 *
 * Everything here is on the redirect hot path: single linear scans, no regular
 * expressions, and the common all-ASCII-safe key comes back without any allocation.
 */
import { ApiError } from "./errors";

/** Longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

const HEX = "0123456789ABCDEF";

/** "%XX" (uppercase hex) for every byte value. */
const PCT: readonly string[] = Array.from({ length: 256 }, (_, b) => "%" + HEX[b >> 4] + HEX[b & 15]);

/** 1 for the bytes S3 leaves unencoded: A-Z a-z 0-9 - . _ ~ (the slash is handled by the caller). */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if ((ch >= "A" && ch <= "Z") || (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || ch === "-" || ch === "." || ch === "_" || ch === "~") {
    UNRESERVED[c] = 1;
  }
}

const SLASH = 0x2f;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Percent-encodes `s` from index `start` (everything before it is known to be safe).
 * Returns null when `s` holds a lone surrogate (it has no UTF-8 form, so no key).
 */
function encodeFrom(s: string, start: number, keepSlash: boolean): string | null {
  let out = s.slice(0, start);
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      out += UNRESERVED[c] === 1 || (keepSlash && c === SLASH) ? s[i] : PCT[c];
    } else if (c < 0x800) {
      out += PCT[0xc0 | (c >> 6)] + PCT[0x80 | (c & 63)];
    } else if (isHighSurrogate(c)) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (!isLowSurrogate(d)) return null;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      out += PCT[0xf0 | (cp >> 18)] + PCT[0x80 | ((cp >> 12) & 63)] + PCT[0x80 | ((cp >> 6) & 63)] + PCT[0x80 | (cp & 63)];
      i++;
    } else if (isLowSurrogate(c)) {
      return null;
    } else {
      out += PCT[0xe0 | (c >> 12)] + PCT[0x80 | ((c >> 6) & 63)] + PCT[0x80 | (c & 63)];
    }
  }
  return out;
}

/** Index of the first character that needs encoding, or -1 when none does. */
function firstUnsafe(s: string, keepSlash: boolean): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (UNRESERVED[c] !== 1 && !(keepSlash && c === SLASH))) return i;
  }
  return -1;
}

/**
 * S3's canonical (and URL) encoding of an object key: every UTF-8 byte outside
 * `A-Z a-z 0-9 - . _ ~` and `/` becomes `%XX` with uppercase hex. The result is both the
 * path a client requests and the SigV4 canonical URI, so it must never be re-encoded.
 */
export function encodeS3Key(key: string): string {
  const i = firstUnsafe(key, true);
  if (i < 0) return key;
  const out = encodeFrom(key, i, true);
  if (out === null) throw new ApiError("invalid_key", "The key is not valid Unicode (it holds a lone surrogate).");
  return out;
}

/**
 * Like encodeS3Key but `/` is encoded too: query parameter names and values. These come
 * from request parameters rather than keys, hence `invalid_request` for a lone surrogate.
 */
export function uriEncode(s: string): string {
  const i = firstUnsafe(s, false);
  if (i < 0) return s;
  const out = encodeFrom(s, i, false);
  if (out === null) throw new ApiError("invalid_request", "A query parameter is not valid Unicode (it holds a lone surrogate).");
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lowercase
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

// Reused by every decode (a Worker isolate runs one synchronous call at a time). Sized for
// the longest accepted input: 3 * MAX_KEY_BYTES characters of at most 3 UTF-8 bytes each.
const scratch = new Uint8Array(MAX_KEY_BYTES * 9);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function badKey(message: string): ApiError {
  return new ApiError("invalid_key", message, "Percent-encode the key as UTF-8, one segment at a time (RFC 3986).");
}

/**
 * The key held by a raw (still percent-encoded) path tail, e.g. the `{key...}` of
 * `/v1/assets/{integration}/{bucket}/{key...}`. Every escape is decoded exactly once, so
 * `%2F` yields a `/` inside the key and `%252F` the three characters `%2F`; `+` stays a
 * plus (RFC 3986, not form encoding). Malformed escapes and invalid UTF-8 are refused
 * rather than replaced with U+FFFD: a replaced key would be a different key.
 *
 * Raw backslashes and control characters are refused too: a browser's URL parser turns
 * `\` into `/` and strips tabs and newlines, so such a path does not name the key it spells.
 * Other raw characters (spaces, non-ASCII) stand for themselves, as a browser would
 * percent-encode them to the same bytes.
 */
export function decodeKeySegments(rawPath: string): string {
  // Each key byte takes at most three path characters: anything longer cannot be a key.
  if (rawPath.length > MAX_KEY_BYTES * 3) throw badKey(`The key is longer than ${MAX_KEY_BYTES} bytes.`);
  let i = 0;
  for (; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === PERCENT || c >= 0x7f || c < 0x20 || c === BACKSLASH) break;
  }
  if (i === rawPath.length) return rawPath; // nothing to decode: the common case

  let n = 0;
  for (let j = 0; j < rawPath.length; j++) {
    const c = rawPath.charCodeAt(j);
    if (c === PERCENT) {
      const hi = j + 2 < rawPath.length ? hexValue(rawPath.charCodeAt(j + 1)) : -1;
      const lo = hi >= 0 ? hexValue(rawPath.charCodeAt(j + 2)) : -1;
      if (lo < 0) throw badKey("The key holds a malformed percent escape (a % not followed by two hex digits).");
      scratch[n++] = (hi << 4) | lo;
      j += 2;
    } else if (c < 0x20 || c === 0x7f || c === BACKSLASH) {
      throw badKey("The key path holds a raw control character or backslash; percent-encode it.");
    } else if (c < 0x80) {
      scratch[n++] = c;
    } else if (c < 0x800) {
      scratch[n++] = 0xc0 | (c >> 6);
      scratch[n++] = 0x80 | (c & 63);
    } else if (isHighSurrogate(c)) {
      const d = j + 1 < rawPath.length ? rawPath.charCodeAt(j + 1) : 0;
      if (!isLowSurrogate(d)) throw badKey("The key is not valid Unicode (it holds a lone surrogate).");
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      scratch[n++] = 0xf0 | (cp >> 18);
      scratch[n++] = 0x80 | ((cp >> 12) & 63);
      scratch[n++] = 0x80 | ((cp >> 6) & 63);
      scratch[n++] = 0x80 | (cp & 63);
      j++;
    } else if (isLowSurrogate(c)) {
      throw badKey("The key is not valid Unicode (it holds a lone surrogate).");
    } else {
      scratch[n++] = 0xe0 | (c >> 12);
      scratch[n++] = 0x80 | ((c >> 6) & 63);
      scratch[n++] = 0x80 | (c & 63);
    }
  }
  try {
    return utf8.decode(scratch.subarray(0, n));
  } catch {
    throw badKey("The key's percent escapes are not valid UTF-8.");
  }
}

/**
 * Refuses keys that must never be signed: empty, longer than 1024 UTF-8 bytes, not valid
 * Unicode, or with a `/`-separated segment equal to `.` or `..`. A browser (any WHATWG URL
 * parser) removes such segments from a URL path, and it does so for `%2e` spellings as
 * well, so a presigned URL for `a/../b` would be fetched as `/b`: a different object than
 * the one that was authorised. Run this on the decoded key, so `%2e%2E` and `a%2F..%2Fb`
 * land here too.
 *
 * Control characters (including `%0A`) and U+FFFD stay allowed: S3 stores them, they are
 * always percent-encoded when signed, and no URL parser rewrites an encoded byte. Unicode
 * look-alikes of the dot (U+FF0E, U+2024, …) are ordinary characters in a URL path too.
 */
export function assertSafeKey(key: string): void {
  if (key.length === 0) throw new ApiError("invalid_key", "The key is empty.", "Name an object, not a bucket or a prefix.");
  let bytes = 0;
  let segStart = 0;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      const len = i - segStart;
      if ((len === 1 || len === 2) && key.charCodeAt(segStart) === 0x2e && (len === 1 || key.charCodeAt(segStart + 1) === 0x2e)) {
        throw new ApiError(
          "invalid_key",
          `The key holds a "${len === 1 ? "." : ".."}" path segment, which URL parsers would rewrite into a different key.`,
          "Objects whose keys contain /./ or /../ segments cannot be served through signed URLs; rename them.",
        );
      }
      segStart = i + 1;
      if (i < key.length) bytes++;
    } else if (c < 0x80) {
      bytes++;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (isHighSurrogate(c) && i + 1 < key.length && isLowSurrogate(key.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else if (isHighSurrogate(c) || isLowSurrogate(c)) {
      throw new ApiError("invalid_key", "The key is not valid Unicode (it holds a lone surrogate).");
    } else {
      bytes += 3;
    }
  }
  if (bytes > MAX_KEY_BYTES) throw new ApiError("invalid_key", `The key is longer than ${MAX_KEY_BYTES} bytes (${bytes} bytes in UTF-8).`);
}
