/**
 * S3 general purpose bucket naming rules. A bucket name ends up in a host name
 * (virtual-hosted style) or a path, so only names S3 itself would accept get through.
 * Legacy us-east-1 names with uppercase letters or underscores are not supported.
 */

const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
// Access point aliases, Object Lambda aliases, Multi-Region Access Points, directory and
// table buckets: none of them are general purpose buckets in the usual endpoints.
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

/** Four dot-separated decimal groups: S3 refuses names formatted like an IPv4 address. */
function looksLikeIpv4(name: string): boolean {
  const parts = name.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return false;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
    }
  }
  return true;
}

export function isValidBucketName(name: string): boolean {
  if (typeof name !== "string" || name.length < 3 || name.length > 63) return false;
  if (!isLowerAlnum(name.charCodeAt(0)) || !isLowerAlnum(name.charCodeAt(name.length - 1))) return false;
  for (let i = 1; i < name.length - 1; i++) {
    const c = name.charCodeAt(i);
    if (isLowerAlnum(c) || c === 0x2d) continue;
    if (c === 0x2e && name.charCodeAt(i - 1) !== 0x2e) continue; // a dot, but never two in a row
    return false;
  }
  if (looksLikeIpv4(name)) return false;
  for (const p of RESERVED_PREFIXES) if (name.startsWith(p)) return false;
  for (const s of RESERVED_SUFFIXES) if (name.endsWith(s)) return false;
  return true;
}

/**
 * Whether `https://{name}.s3.{region}.amazonaws.com` works: a dotted name would need a
 * multi-level wildcard certificate, which S3 does not have, so those go path-style.
 */
export function isVirtualHostable(name: string): boolean {
  return isValidBucketName(name) && !name.includes(".");
}

/**
 * Any provider's bucket or container name (S3, Cloud Storage with its underscores and longer
 * dotted names, Azure containers): the shape checked where the provider is not known yet.
 * The provider's own rules apply when a URL is built (S3: isValidBucketName).
 */
export function isStorageBucketName(name: string): boolean {
  return name.length >= 3 && name.length <= 222 && /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name) && !name.includes("..");
}
