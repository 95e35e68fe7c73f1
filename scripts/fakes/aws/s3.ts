/**
 * The fake S3: objects (Get/Head/Put/Delete, ranges, SSE-KMS), HeadBucket, ListObjectsV2,
 * GetBucketCors and GetBucketLocation, each authorized by the caller's IAM policies, with S3's
 * region redirects and XML errors.
 */
import { authenticateS3, parseS3Auth, type SigV4Auth } from "./auth";
import { corsFor, corsXml, preflight } from "./cors";
import { decodeComponent, one, parseQuery, toBytes, utf8, type Query } from "./encoding";
import { AwsError } from "./errors";
import { authorize } from "./iam";
import { partitionOf, type AwsState, type Bucket, type Caller, type ObjectBody, type StoredObject } from "./model";
import type { Incoming, S3Target } from "./routing";
import { listObjectsV2 } from "./s3-list";
import { S3_NS, s3Error, s3Response } from "./xml";

/** A deterministic 32-hex digest standing in for S3's MD5 ETag (Web Crypto has no MD5). */
function etagOf(bytes: Uint8Array): string {
  let out = "";
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9)) >>> 0;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    h = Math.imul(h ^ (bytes.length + lane), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return `"${out}"`;
}

/** Stores an object as PutObject does (also how tests and seeds add objects). */
export function storeObject(bucket: Bucket, key: string, body: ObjectBody, now: number, contentType = "binary/octet-stream"): StoredObject {
  const bytes = toBytes(body);
  const stored: StoredObject = { body: bytes, contentType, etag: etagOf(bytes), lastModified: now };
  bucket.objects.set(key, stored);
  return stored;
}

/** One S3 request once its bucket, key and caller are known. */
interface S3Ctx {
  inc: Incoming;
  bucket: Bucket;
  key: string;
  query: Query;
  caller: Caller;
}

export async function s3(state: AwsState, inc: Incoming, t: S3Target, action: string): Promise<Response> {
  const head = inc.method === "HEAD";
  const bucket = state.buckets.get(t.bucket);
  const cors = bucket ? corsFor(bucket, inc) : {};
  try {
    if (inc.method === "OPTIONS") return preflight(bucket, inc);
    const query = parseQuery(inc.rawQuery, true);
    const key = t.rawKey
      .split("/")
      .map((seg) => decodeComponent(seg, "path segment", true))
      .join("/");
    const auth = parseS3Auth(inc, query);
    if (!bucket) throw new AwsError(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: t.bucket });
    checkS3Region(bucket, t, auth, action);
    if (!auth) throw new AwsError(403, "AccessDenied", "Access Denied", {}, action === "HeadBucket" ? { "x-amz-bucket-region": bucket.region } : {});
    const caller = await authenticateS3(state, inc, auth, query);
    const res = await s3Operation(state, action, { inc, bucket, key, query, caller });
    for (const [k, v] of Object.entries(cors)) res.headers.set(k, v);
    return res;
  } catch (e) {
    if (e instanceof AwsError) return s3Error(e, head, cors);
    throw e;
  }
}

/**
 * A regional host must be the bucket's region (else 301), and so must the credential scope
 * (else 400 AuthorizationHeaderMalformed naming the real region). HeadBucket answers 301 with
 * `x-amz-bucket-region` for both, which is how clients discover a bucket's region.
 */
function checkS3Region(bucket: Bucket, t: S3Target, auth: SigV4Auth | null, action: string): void {
  const regionHeader = { "x-amz-bucket-region": bucket.region };
  const hostWrong = t.hostRegion !== undefined && t.hostRegion !== bucket.region;
  // GetBucketLocation exists to be asked from us-east-1 about any bucket.
  const scopeWrong = auth !== null && auth.region !== bucket.region && !(action === "GetBucketLocation" && auth.region === "us-east-1");
  if (action === "HeadBucket" && (hostWrong || scopeWrong)) throw new AwsError(301, "PermanentRedirect", "", {}, regionHeader);
  if (hostWrong) {
    const endpoint = `${bucket.name}.s3.${bucket.region}.amazonaws.com${partitionOf(bucket.region) === "aws-cn" ? ".cn" : ""}`;
    throw new AwsError(
      301,
      "PermanentRedirect",
      "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
      { Endpoint: endpoint, Bucket: bucket.name },
      regionHeader,
    );
  }
  if (auth && scopeWrong) {
    throw new AwsError(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${bucket.region}'`,
      { Region: bucket.region },
      regionHeader,
    );
  }
}

function require(c: S3Ctx, action: string, resource: string, context?: Record<string, string>): void {
  const decision = authorize({ action, resource, context }, c.caller.identity, c.caller.session);
  if (!decision.allowed) {
    throw new AwsError(403, "AccessDenied", `User: ${c.caller.arn} is not authorized to perform: ${action} on resource: "${resource}" ${decision.reason}`);
  }
}

export function may(c: S3Ctx, action: string, resource: string): boolean {
  return authorize({ action, resource }, c.caller.identity, c.caller.session).allowed;
}

async function s3Operation(state: AwsState, action: string, c: S3Ctx): Promise<Response> {
  const partition = partitionOf(c.bucket.region);
  const bucketArn = `arn:${partition}:s3:::${c.bucket.name}`;
  const objectArn = `${bucketArn}/${c.key}`;
  switch (action) {
    case "GetObject":
    case "HeadObject":
      require(c, "s3:GetObject", objectArn);
      return getObjectResponse(c, bucketArn);
    case "PutObject":
      require(c, "s3:PutObject", objectArn);
      return putObjectResponse(state, c);
    case "DeleteObject":
      require(c, "s3:DeleteObject", objectArn);
      c.bucket.objects.delete(c.key);
      return s3Response(204, null);
    case "HeadBucket": {
      const headers = { "x-amz-bucket-region": c.bucket.region };
      const decision = authorize({ action: "s3:ListBucket", resource: bucketArn }, c.caller.identity, c.caller.session);
      if (!decision.allowed) throw new AwsError(403, "AccessDenied", "Access Denied", {}, headers);
      return s3Response(200, null, headers);
    }
    case "ListObjectsV2": {
      const prefix = one(c.query, "prefix");
      require(c, "s3:ListBucket", bucketArn, prefix === undefined ? undefined : { "s3:prefix": prefix });
      return s3Response(200, listObjectsV2(c.bucket, c.query));
    }
    case "GetBucketCors":
      require(c, "s3:GetBucketCORS", bucketArn);
      if (!c.bucket.cors?.length) throw new AwsError(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist", { BucketName: c.bucket.name });
      return s3Response(200, corsXml(c.bucket.cors));
    case "GetBucketLocation": {
      require(c, "s3:GetBucketLocation", bucketArn);
      // us-east-1 is the empty LocationConstraint, a real S3 quirk.
      const location =
        c.bucket.region === "us-east-1"
          ? `<LocationConstraint xmlns="${S3_NS}"/>`
          : `<LocationConstraint xmlns="${S3_NS}">${c.bucket.region}</LocationConstraint>`;
      return s3Response(200, `<?xml version="1.0" encoding="UTF-8"?>\n${location}`);
    }
    default:
      throw new AwsError(501, "NotImplemented", `fake-aws does not model this S3 operation (${action})`);
  }
}

function getObjectResponse(c: S3Ctx, bucketArn: string): Response {
  const obj = c.bucket.objects.get(c.key);
  if (!obj) {
    // S3 only admits that a key is absent to callers who could list the bucket.
    if (may(c, "s3:ListBucket", bucketArn)) throw new AwsError(404, "NoSuchKey", "The specified key does not exist.", { Key: c.key });
    throw new AwsError(403, "AccessDenied", "Access Denied");
  }
  if (obj.kmsKeyArn) {
    // S3 decrypts with the caller's permissions: kms:Decrypt on the key, via S3.
    const decision = authorize(
      { action: "kms:Decrypt", resource: obj.kmsKeyArn, context: { "kms:viaservice": `s3.${c.bucket.region}.amazonaws.com` } },
      c.caller.identity,
      c.caller.session,
    );
    if (!decision.allowed) {
      throw new AwsError(
        403,
        "AccessDenied",
        `User: ${c.caller.arn} is not authorized to perform: kms:Decrypt on resource: ${obj.kmsKeyArn} ${decision.reason}`,
      );
    }
  }
  const headers: Record<string, string> = {
    "content-type": obj.contentType,
    etag: obj.etag,
    "last-modified": new Date(obj.lastModified).toUTCString(),
    "accept-ranges": "bytes",
  };
  for (const [param, value] of Object.entries(c.query)) {
    if (param.startsWith("response-") && typeof value === "string") headers[param.slice("response-".length)] = value;
  }
  const size = obj.body.length;
  const range = parseRange(c.inc.headers.get("range"), size);
  if (range === "unsatisfiable")
    throw new AwsError(
      416,
      "InvalidRange",
      "The requested range is not satisfiable",
      { RangeRequested: c.inc.headers.get("range") ?? "", ActualObjectSize: String(size) },
      { "content-range": `bytes */${size}` },
    );
  const [start, end] = range ?? [0, size - 1];
  const body = obj.body.slice(start, end + 1);
  headers["content-length"] = String(body.length);
  if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  return s3Response(range ? 206 : 200, c.inc.method === "HEAD" ? null : body, headers);
}

async function putObjectResponse(state: AwsState, c: S3Ctx): Promise<Response> {
  if (utf8.encode(c.key).length > 1024) throw new AwsError(400, "KeyTooLongError", "Your key is too long");
  if (c.inc.headers.has("x-amz-copy-source")) throw new AwsError(501, "NotImplemented", "fake-aws does not model CopyObject");
  const stored = storeObject(c.bucket, c.key, c.inc.body, state.now(), c.inc.headers.get("content-type") ?? undefined);
  return s3Response(200, null, { etag: stored.etag });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; null = whole object (also for multi-range, as S3 does). */
function parseRange(header: string | null, size: number): [number, number] | null | "unsatisfiable" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = +m[2]!;
    return n === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - n), size - 1];
  }
  const start = +m[1]!;
  if (start >= size) return "unsatisfiable";
  const end = m[2] === "" ? size - 1 : Math.min(+m[2]!, size - 1);
  return end < start ? null : [start, end];
}
