/**
 * Reading a 302 the way a browser does: `new URL(Location)`, and the object it names.
 * Shared by the hardening suites.
 */

export interface Named {
  bucket: string;
  /** The object key: the path after the bucket, percent-decoded once. */
  key: string;
  /** The path exactly as written in Location (before any URL parsing). */
  rawPath: string;
  /** Access key id of the credentials that signed the URL. */
  accessKeyId: string;
}

const VIRTUAL = /^([a-z0-9][a-z0-9.-]*[a-z0-9])\.s3\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const PATH_STYLE = /^s3\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/**
 * The bucket and key a browser would request when it follows `location`. Throws when the
 * URL parser would rewrite the path (dot segments, backslashes, …): such a URL requests a
 * different object from the one whose path was signed.
 */
export function objectNamedBy(location: string, what: string): Named {
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}: ${location.slice(0, 300)}`);
  };
  const m = /^https:\/\/([^/?#]+)(\/[^?#]*)?/.exec(location);
  if (!m) return fail("Location is not an absolute https URL");
  const rawPath = m[2] ?? "/";
  const u = new URL(location);
  // Regression caught here: a "." / ".." segment (or %2e spelling) left in a signed path.
  if (u.pathname !== rawPath) fail(`the URL parser rewrites the path ${JSON.stringify(rawPath)} to ${JSON.stringify(u.pathname)}`);
  if (u.host !== m[1]) fail(`the URL parser rewrites the host ${m[1]} to ${u.host}`);
  let bucket: string;
  let keyPath: string;
  const v = VIRTUAL.exec(u.hostname);
  const p = v ? null : PATH_STYLE.exec(u.hostname);
  if (v) {
    bucket = v[1]!;
    keyPath = u.pathname.slice(1);
  } else if (p) {
    const rest = u.pathname.slice(1);
    const slash = rest.indexOf("/");
    if (slash < 0) return fail("path-style URL without a key");
    bucket = rest.slice(0, slash);
    keyPath = rest.slice(slash + 1);
  } else {
    return fail(`unexpected host ${u.hostname}`);
  }
  let key: string;
  try {
    key = decodeURIComponent(keyPath);
  } catch {
    return fail("the key path is not valid percent-encoded UTF-8");
  }
  const cred = u.searchParams.get("X-Amz-Credential") ?? "";
  const accessKeyId = cred.split("/")[0] ?? "";
  if (!accessKeyId) fail("no X-Amz-Credential");
  return { bucket, key, rawPath, accessKeyId };
}

const utf8 = new TextEncoder();

/** Byte-for-byte prefix test on UTF-8 (no normalisation, no case folding). */
export function startsWithBytes(s: string, prefix: string): boolean {
  const a = utf8.encode(s);
  const b = utf8.encode(prefix);
  if (b.length > a.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function utf8Length(s: string): number {
  return utf8.encode(s).length;
}
