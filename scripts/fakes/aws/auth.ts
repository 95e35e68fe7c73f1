/**
 * SigV4 verification for the fake AWS: who signed a request, and whether the signature holds.
 *
 * Every signature is recomputed with an independent implementation (`@smithy/signature-v4`),
 * never with signpost's own signer, for header-signed requests (STS, S3) and presigned S3 URLs.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest, type HeaderBag, type IHttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { parseQuery, sha256Hex, one, type Query } from "./encoding";
import { AwsError } from "./errors";
import { accountOf, type AwsState, type Caller } from "./model";
import type { Incoming } from "./routing";
import { SKEW_MS, formatAmzDate, isoSeconds, parseAmzDate } from "./time";

export interface SigV4Auth {
  mode: "header" | "query";
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  amzMs: number;
  expiresIn?: number;
  token?: string;
}

const MAX_PRESIGN_SECONDS = 604800;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** smithy's signer, recording the canonical request and string to sign it computed. */
class VerifyingSigner extends SignatureV4 {
  canonicalRequest = "";
  stringToSign = "";

  protected override createCanonicalRequest(request: IHttpRequest, headers: HeaderBag, payloadHash: string): string {
    this.canonicalRequest = super.createCanonicalRequest(request, headers, payloadHash);
    return this.canonicalRequest;
  }

  protected override async createStringToSign(longDate: string, scope: string, canonicalRequest: string, algorithm: string): Promise<string> {
    this.stringToSign = await super.createStringToSign(longDate, scope, canonicalRequest, algorithm);
    return this.stringToSign;
  }
}

interface Expected {
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
}

function parseCredential(value: string): Pick<SigV4Auth, "accessKeyId" | "scopeDate" | "region" | "service"> | null {
  const parts = value.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!) || parts.some((p) => p === "")) return null;
  return { accessKeyId: parts[0]!, scopeDate: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (null when malformed). */
function parseAuthorizationHeader(value: string, headers: Headers): SigV4Auth | null {
  const m = /^AWS4-HMAC-SHA256 (.+)$/.exec(value.trim());
  if (!m) return null;
  const fields = new Map(
    m[1]!.split(",").map((p) => {
      const eq = p.indexOf("=");
      return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as const;
    }),
  );
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) return null;
  const amzDate = headers.get("x-amz-date") ?? "";
  return {
    mode: "header",
    ...credential,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    amzMs: parseAmzDate(amzDate) ?? NaN,
    token: headers.get("x-amz-security-token") ?? undefined,
  };
}

function signedHeaderValues(inc: Incoming, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  // A signed header missing from the request is signed as empty, so the signature fails as on AWS.
  for (const name of names) out[name] = name === "host" ? inc.host : (inc.headers.get(name) ?? "");
  return out;
}

function smithyRequest(inc: Incoming, headers: Record<string, string>, query: Query, body?: Uint8Array): HttpRequest {
  return new HttpRequest({
    method: inc.method,
    protocol: inc.url.protocol,
    hostname: inc.url.hostname,
    path: inc.rawPath,
    query,
    headers,
    body,
  });
}

/** The signature smithy computes for a header-signed request (`Authorization`). */
async function expectedHeaderSignature(inc: Incoming, auth: SigV4Auth, secret: string, query: Query, body: Uint8Array | undefined): Promise<Expected> {
  const signer = new VerifyingSigner({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
    uriEscapePath: auth.service !== "s3",
    applyChecksum: false,
  });
  const headers = signedHeaderValues(inc, auth.signedHeaders);
  const unsignable = new Set<string>();
  const claimed = inc.headers.get("x-amz-content-sha256");
  if (auth.service === "s3" && claimed !== null && !auth.signedHeaders.includes("x-amz-content-sha256")) {
    // S3 takes the payload hash from this header even when it is not signed.
    headers["x-amz-content-sha256"] = claimed;
    unsignable.add("x-amz-content-sha256");
  }
  const request = smithyRequest(inc, headers, query, body);
  const signed = await signer.sign(request, {
    signingDate: new Date(auth.amzMs),
    signableHeaders: new Set(auth.signedHeaders),
    unsignableHeaders: unsignable,
  });
  const signature = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? "";
  return { signature, canonicalRequest: signer.canonicalRequest, stringToSign: signer.stringToSign };
}

/** The `X-Amz-Signature` smithy computes for a presigned S3 URL (payload is UNSIGNED-PAYLOAD). */
async function expectedPresignSignature(inc: Incoming, auth: SigV4Auth, secret: string, query: Query): Promise<Expected> {
  const signer = new VerifyingSigner({
    service: "s3",
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers = signedHeaderValues(inc, auth.signedHeaders);
  const unsignable = new Set<string>();
  if (!auth.signedHeaders.includes("x-amz-content-sha256")) {
    // smithy takes the payload hash from this header; it is not itself part of the URL.
    headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
    unsignable.add("x-amz-content-sha256");
  }
  const { "X-Amz-Signature": _omit, ...rest } = query;
  const presigned = await signer.presign(smithyRequest(inc, headers, rest), {
    signingDate: new Date(auth.amzMs),
    expiresIn: auth.expiresIn,
    signableHeaders: new Set(auth.signedHeaders),
    unsignableHeaders: unsignable,
    // Signed headers stay headers: smithy would otherwise hoist x-amz-* ones into the query.
    unhoistableHeaders: new Set([...auth.signedHeaders, "x-amz-content-sha256"]),
  });
  return { signature: String(presigned.query?.["X-Amz-Signature"]), canonicalRequest: signer.canonicalRequest, stringToSign: signer.stringToSign };
}

/** Who holds this access key: an IAM user, or the session of an assumed role. */
function callerFor(state: AwsState, accessKeyId: string): Caller | undefined {
  const p = state.principals.get(accessKeyId);
  if (p) {
    return {
      arn: p.arn,
      userId: p.userId,
      account: accountOf(p.arn),
      accessKeyId,
      secretAccessKey: p.secretAccessKey,
      trustArns: [p.arn],
      identity: p.policy ? [p.policy] : [],
    };
  }
  const issued = state.issued.get(accessKeyId);
  const role = issued && state.roles.get(issued.roleArn);
  if (!issued || !role) return undefined;
  return {
    arn: issued.assumedRoleArn,
    userId: `${role.roleId}:${issued.roleSessionName}`,
    account: accountOf(role.arn),
    accessKeyId,
    secretAccessKey: issued.secretAccessKey,
    trustArns: [issued.assumedRoleArn, role.arn],
    identity: [role.policy],
    session: issued.sessionPolicy,
    issued,
  };
}

/** Session token checks for temporary keys; `expired`/`invalid` map to service-specific errors. */
function tokenProblem(state: AwsState, caller: Caller, token: string | undefined): "invalid" | "expired" | null {
  if (!caller.issued) return token === undefined ? null : "invalid";
  if (token !== caller.issued.sessionToken) return "invalid";
  return state.now() > caller.issued.expiration ? "expired" : null;
}

export async function authenticateSts(state: AwsState, inc: Incoming, endpointRegion: string | undefined): Promise<Caller> {
  const header = inc.headers.get("authorization");
  if (!header) throw new AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  const auth = parseAuthorizationHeader(header, inc.headers);
  if (!auth)
    throw new AwsError(
      400,
      "IncompleteSignature",
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${header}`,
    );
  if (!auth.amzDate) throw new AwsError(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const caller = callerFor(state, auth.accessKeyId);
  if (!caller) throw new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  if (auth.service !== "sts") throw new AwsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ");
  const region = endpointRegion ?? auth.region;
  if (auth.region !== region) throw new AwsError(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region, not '${auth.region}'. `);
  if (Number.isNaN(auth.amzMs) || auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    throw new AwsError(
      403,
      "SignatureDoesNotMatch",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}'`,
    );
  }
  checkSkew(state, auth.amzMs, auth.amzDate, (msg) => new AwsError(403, "SignatureDoesNotMatch", msg));
  const token = tokenProblem(state, caller, auth.token);
  if (token === "invalid") throw new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  if (token === "expired") throw new AwsError(403, "ExpiredToken", "The security token included in the request is expired");
  const expected = await expectedHeaderSignature(inc, auth, caller.secretAccessKey, parseQuery(inc.url.search.slice(1), false), inc.body);
  if (expected.signature !== auth.signature) {
    throw new AwsError(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
        `The Canonical String for this request should have been\n'${expected.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${expected.stringToSign}'\n`,
    );
  }
  await checkPayloadHash(
    inc,
    (client, computed) => new AwsError(400, "InvalidRequest", `x-amz-content-sha256 ${client} does not match the body (${computed})`),
  );
  return caller;
}

/** AWS accepts a signing time within 15 minutes of its clock. */
function checkSkew(state: AwsState, amzMs: number, amzDate: string, error: (msg: string) => AwsError): void {
  const now = state.now();
  if (amzMs < now - SKEW_MS) {
    throw error(`Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`);
  }
  if (amzMs > now + SKEW_MS) {
    throw error(`Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`);
  }
}

export async function authenticateS3(state: AwsState, inc: Incoming, auth: SigV4Auth, query: Query): Promise<Caller> {
  const caller = callerFor(state, auth.accessKeyId);
  if (!caller)
    throw new AwsError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: auth.accessKeyId });
  if (auth.service !== "s3")
    throw new AwsError(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; incorrect service '${auth.service}'. This endpoint belongs to 's3'.`,
    );
  if (auth.scopeDate !== auth.amzDate.slice(0, 8))
    throw new AwsError(
      400,
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.",
    );
  checkS3Time(state, auth);
  const token = tokenProblem(state, caller, auth.token);
  if (token === "invalid") throw new AwsError(403, "InvalidToken", "The provided token is malformed or otherwise invalid.", { Token: auth.token ?? "" });
  if (token === "expired") throw new AwsError(400, "ExpiredToken", "The provided token has expired.", { Token: auth.token ?? "" });
  if (auth.mode === "query") {
    const unsigned = [...inc.headers.keys()].filter((h) => h.startsWith("x-amz-") && !auth.signedHeaders.includes(h));
    if (unsigned.length > 0)
      throw new AwsError(403, "AccessDenied", "There were headers present in the request which were not signed", { HeadersNotSigned: unsigned.join(", ") });
  }
  const expected =
    auth.mode === "query"
      ? await expectedPresignSignature(inc, auth, caller.secretAccessKey, query)
      : await expectedHeaderSignature(inc, auth, caller.secretAccessKey, query, undefined);
  if (expected.signature !== auth.signature) {
    throw new AwsError(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: auth.accessKeyId,
        StringToSign: expected.stringToSign,
        SignatureProvided: auth.signature,
        CanonicalRequest: expected.canonicalRequest,
      },
    );
  }
  if (auth.mode === "header") {
    await checkPayloadHash(
      inc,
      (client, computed) =>
        new AwsError(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: client,
          S3ComputedContentSHA256: computed,
        }),
    );
  }
  return caller;
}

function checkS3Time(state: AwsState, auth: SigV4Auth): void {
  const now = state.now();
  if (auth.mode === "header") {
    if (Math.abs(now - auth.amzMs) > SKEW_MS) {
      throw new AwsError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
        RequestTime: auth.amzDate,
        ServerTime: isoSeconds(now),
        MaxAllowedSkewMilliseconds: String(SKEW_MS),
      });
    }
    return;
  }
  const expires = auth.amzMs + auth.expiresIn! * 1000;
  if (now > expires) {
    throw new AwsError(403, "AccessDenied", "Request has expired", {
      "X-Amz-Expires": String(auth.expiresIn),
      Expires: isoSeconds(expires),
      ServerTime: isoSeconds(now),
    });
  }
  if (auth.amzMs > now + SKEW_MS)
    throw new AwsError(403, "AccessDenied", "Request is not valid yet", { "X-Amz-Date": auth.amzDate, ServerTime: isoSeconds(now) });
}

async function checkPayloadHash(inc: Incoming, mismatch: (client: string, computed: string) => AwsError): Promise<void> {
  const claimed = inc.headers.get("x-amz-content-sha256");
  if (claimed === null || claimed === UNSIGNED_PAYLOAD) return;
  if (!/^[0-9a-f]{64}$/.test(claimed)) throw new AwsError(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.");
  const computed = await sha256Hex(inc.body);
  if (computed !== claimed) throw mismatch(claimed, computed);
}

/** Presigned (`X-Amz-*` query) or `Authorization` header SigV4; null for an anonymous request. */
export function parseS3Auth(inc: Incoming, query: Query): SigV4Auth | null {
  const header = inc.headers.get("authorization");
  const presigned = query["X-Amz-Algorithm"] !== undefined || query["X-Amz-Signature"] !== undefined;
  if (header && presigned)
    throw new AwsError(
      400,
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
    );
  if (presigned) return parsePresignedQuery(query);
  if (!header) return null;
  const auth = parseAuthorizationHeader(header, inc.headers);
  if (!auth)
    throw new AwsError(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.`,
    );
  if (Number.isNaN(auth.amzMs)) throw new AwsError(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  if (!auth.signedHeaders.includes("host"))
    throw new AwsError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; 'host' must be a signed header.");
  const sha = inc.headers.get("x-amz-content-sha256");
  if (sha === null) throw new AwsError(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  if (sha.startsWith("STREAMING-")) throw new AwsError(501, "NotImplemented", "fake-aws does not model streaming (chunked) signatures");
  return auth;
}

function parsePresignedQuery(q: Query): SigV4Auth {
  const bad = (msg: string) => new AwsError(400, "AuthorizationQueryParametersError", msg);
  const algorithm = one(q, "X-Amz-Algorithm");
  const credential = one(q, "X-Amz-Credential");
  const amzDate = one(q, "X-Amz-Date");
  const expires = one(q, "X-Amz-Expires");
  const signedHeaders = one(q, "X-Amz-SignedHeaders");
  const signature = one(q, "X-Amz-Signature");
  if (!algorithm || !credential || !amzDate || !expires || !signedHeaders || !signature) {
    throw bad(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  if (algorithm !== "AWS4-HMAC-SHA256") throw bad('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const scope = parseCredential(credential);
  if (!scope)
    throw bad(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const amzMs = parseAmzDate(amzDate);
  if (amzMs === null) throw bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d+$/.test(expires) || +expires < 1) throw bad("X-Amz-Expires must be non-negative");
  if (+expires > MAX_PRESIGN_SECONDS) throw bad("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  const headers = signedHeaders.split(";");
  if (!headers.includes("host")) throw bad("X-Amz-SignedHeaders must contain host");
  return { mode: "query", ...scope, signedHeaders: headers, signature, amzDate, amzMs, expiresIn: +expires, token: one(q, "X-Amz-Security-Token") };
}
