/** ListObjectsV2: prefixes, delimiters, paging with opaque continuation tokens, S3's key order. */
import { base64, fromBase64, fromUtf8, one, utf8, type Query } from "./encoding";
import { AwsError } from "./errors";
import type { Bucket, StoredObject } from "./model";
import { S3_NS, escapeXml } from "./xml";

/** S3 lists keys in UTF-8 byte order, which is code point order (not JS's UTF-16 order). */
function compareKeys(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function encodeToken(after: { key: string } | { prefix: string }): string {
  return base64(utf8.encode(JSON.stringify(after)));
}

function decodeToken(token: string): { key: string } | { prefix: string } {
  try {
    const v = JSON.parse(fromUtf8.decode(fromBase64(token))) as unknown;
    if (v && typeof v === "object" && (typeof (v as { key?: unknown }).key === "string" || typeof (v as { prefix?: unknown }).prefix === "string")) {
      return v as { key: string } | { prefix: string };
    }
  } catch {
    // fall through
  }
  throw new AwsError(400, "InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
}

export function listObjectsV2(bucket: Bucket, q: Query): string {
  if (one(q, "list-type") !== "2") throw new AwsError(400, "InvalidArgument", "Invalid List Type specified");
  if (one(q, "encoding-type") !== undefined) throw new AwsError(501, "NotImplemented", "fake-aws does not model encoding-type");
  const prefix = one(q, "prefix") ?? "";
  const delimiter = one(q, "delimiter") || undefined;
  const rawMax = one(q, "max-keys") ?? "1000";
  if (!/^\d+$/.test(rawMax))
    throw new AwsError(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", { ArgumentName: "max-keys" });
  const maxKeys = Math.min(+rawMax, 1000);
  const token = one(q, "continuation-token");
  const startAfter = one(q, "start-after");
  const after = token !== undefined ? decodeToken(token) : startAfter !== undefined ? { key: startAfter } : undefined;

  const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && !isBefore(k, after)).sort(compareKeys);
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last: { key: string } | { prefix: string } | undefined;
  let truncated = false;
  for (const key of keys) {
    const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut < 0 ? undefined : key.slice(0, cut + delimiter!.length);
    if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { prefix: common };
    } else {
      contents.push(key);
      last = { key };
    }
  }
  const parts = [
    `<Name>${escapeXml(bucket.name)}</Name>`,
    `<Prefix>${escapeXml(prefix)}</Prefix>`,
    token !== undefined ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : "",
    startAfter !== undefined ? `<StartAfter>${escapeXml(startAfter)}</StartAfter>` : "",
    delimiter !== undefined ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : "",
    `<KeyCount>${contents.length + prefixes.length}</KeyCount>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    `<IsTruncated>${truncated}</IsTruncated>`,
    truncated && last ? `<NextContinuationToken>${encodeToken(last)}</NextContinuationToken>` : "",
    ...contents.map((k) => contentsXml(k, bucket.objects.get(k)!)),
    ...prefixes.map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_NS}">${parts.join("")}</ListBucketResult>`;
}

function isBefore(key: string, after: { key: string } | { prefix: string } | undefined): boolean {
  if (!after) return false;
  if ("key" in after) return compareKeys(key, after.key) <= 0;
  return key.startsWith(after.prefix) || compareKeys(key, after.prefix) <= 0;
}

function contentsXml(key: string, o: StoredObject): string {
  return (
    `<Contents><Key>${escapeXml(key)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified>` +
    `<ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
  );
}
