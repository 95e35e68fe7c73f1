/**
 * "Why can't my labelers see this object?" — answered the way a labeler's browser meets it:
 * signpost signs the object exactly as the redirect would (scopes, credentials, region), reads
 * its first byte through that URL, and sends the CORS preflight each labeling frontend origin
 * would send. The first thing that fails is the cause, with what to change.
 */
import type { Env, Background } from "../env";
import { config } from "../config";
import { ApiError } from "../http/errors";
import { outboundFetch } from "../lib/outbound";
import type { Integration } from "../integrations/model";
import { corsConfigurationConsole } from "../providers/aws/policies";
import { gcsCorsCommands } from "../providers/gcs/documents";
import { azureCorsCommand } from "../providers/azure/documents";
import { browserCorsProblems } from "../validation/browser-cors";
import { parseObjectUrl, type ObjectKind } from "../providers/object-url";
import { providerFor } from "../providers";
import { providerScopes } from "../providers/settings";
import { signObject } from "../signing/sign-object";
import { signingRegion } from "../providers/aws/sign";
import { listObjectsV2 } from "../aws/s3-api";
import { credentialsFor } from "../providers/aws/credentials";
import type { DiagnoseCause, DiagnoseResponse } from "../schemas/operations";

const TIMEOUT_MS = 10_000;

interface Target {
  kind: ObjectKind;
  bucket: string;
  key: string;
  region: string | null;
  account?: string;
}

function answer(key: string, cause: DiagnoseCause, message: string, hint: string | null): DiagnoseResponse {
  return { key, ok: cause === "ok", cause, message, hint };
}

function kindOf(integ: Integration): ObjectKind {
  return providerFor(integ.row.provider).objectKind;
}

const LOOKS_LIKE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A plain key lives in the first scope whose prefix it starts with; a URL names its bucket. */
function targetOf(env: Env, integ: Integration, key: string): Target | DiagnoseResponse {
  if (LOOKS_LIKE_URL.test(key)) {
    const origins = [config(env).s3Endpoint, integ.row.endpoint].filter((o): o is string => !!o);
    return parseObjectUrl(key, { pathStyleOrigins: origins });
  }
  const scopes = providerScopes(integ);
  if (scopes.length === 0) {
    throw new ApiError(
      "invalid_request",
      "key: this integration has no scopes, so a bare key names no bucket.",
      "Pass the object's URL instead, e.g. s3://bucket/key.",
    );
  }
  const scope = scopes.find((s) => key.startsWith(s.prefix));
  if (!scope) {
    return answer(
      key,
      "scope",
      `"${key.slice(0, 200)}" is outside the integration's scopes (${scopes.map((s) => `${s.bucket}/${s.prefix}`).join(", ")}).`,
      "Add a scope that covers this key, or move the object under a scoped prefix.",
    );
  }
  return { kind: kindOf(integ), bucket: scope.bucket, key, region: null };
}

const CREDENTIAL_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AuthenticationFailed",
  "InvalidAuthenticationInfo",
]);
const NOT_FOUND_CODES = new Set(["NoSuchKey", "NoSuchBucket", "BlobNotFound", "ContainerNotFound", "ResourceNotFound"]);
const REGION_CODES = new Set(["PermanentRedirect", "AuthorizationHeaderMalformed", "IncorrectEndpoint", "TemporaryRedirect"]);

function xmlField(body: string, name: string): string | null {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return m ? m[1]! : null;
}

function objectName(t: Target): string {
  return `${t.kind === "gcs" ? "gs" : t.kind === "azure" ? "az" : "s3"}://${t.bucket}/${t.key.slice(0, 200)}`;
}

function arnPartition(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/** What the object read answered, as one of the causes. */
function classify(key: string, integ: Integration, t: Target, res: Response, body: string): DiagnoseResponse | null {
  if (res.status === 200 || res.status === 206) return null;
  const code = xmlField(body, "Code") ?? `HTTP ${res.status}`;
  const message = (xmlField(body, "Message") ?? "").slice(0, 300);
  const what = `${code}${message ? `: ${message}` : ""}`;
  const region = integ.row.region;
  const objectArn = `arn:${arnPartition(region)}:s3:::${t.bucket}/*`;
  if (code.startsWith("KMS.") || /\bkms\b/i.test(message)) {
    const keyArn = /arn:aws[\w-]*:kms:[^\s"]+/.exec(message)?.[0];
    return answer(
      key,
      "kms",
      `The object is encrypted with a KMS key the role cannot use (${what}).`,
      `Allow kms:Decrypt on ${keyArn ?? "the bucket's KMS key"} in the role's permissions policy (and in the key policy, if it does not delegate to IAM). signpost's session policy already passes kms:Decrypt through when S3 asks for it.`,
    );
  }
  if (NOT_FOUND_CODES.has(code) || res.status === 404) {
    return answer(
      key,
      "not_found",
      `${objectName(t)} does not exist (${what}).`,
      "Check the key: keys are case-sensitive and must match exactly, including any prefix and the file extension.",
    );
  }
  if (REGION_CODES.has(code) || res.status === 301 || res.status === 307) {
    const real = res.headers.get("x-amz-bucket-region") ?? xmlField(body, "Region");
    return answer(
      key,
      "region",
      `The bucket ${t.bucket} is not in ${region}${real ? `; it is in ${real}` : ""} (${what}).`,
      real ? `Set the integration's region to ${real}.` : "Set the integration's region to the bucket's region (S3 console → bucket → Properties).",
    );
  }
  if (CREDENTIAL_CODES.has(code) || res.status === 401) {
    return answer(
      key,
      "credentials",
      `The storage service refused signpost's credentials (${what}).`,
      integ.row.provider === "aws_keys"
        ? "Check the access key id and secret access key (and the endpoint and region)."
        : "Run the integration's checks: the grant may have been changed or removed.",
    );
  }
  if (res.status === 403) {
    const hint =
      t.kind === "gcs"
        ? `Grant the service account roles/storage.objectViewer on gs://${t.bucket}.`
        : t.kind === "azure"
          ? `Assign signpost's app the "Storage Blob Data Reader" role on the container ${t.bucket} (or its storage account).`
          : `Allow s3:GetObject on ${objectArn} (or the scoped prefix) in the role's permissions policy, and check that no bucket policy denies it (an explicit Deny, or a condition such as aws:SourceVpce or aws:SecureTransport). S3 also answers AccessDenied for a missing key when the role cannot list the bucket.`;
    return answer(key, "access_denied", `Access to ${objectName(t)} was denied (${what}).`, hint);
  }
  throw new ApiError("upstream_error", `The storage service answered ${what} for ${objectName(t)}; try again shortly.`);
}

/**
 * S3 answers AccessDenied, not NoSuchKey, for a missing key when the caller may not list the
 * bucket, and a prefix-scoped session can only list under its prefix. A listing of exactly
 * that key tells the two apart.
 */
async function missingBehindAccessDenied(env: Env, ctx: Background, integ: Integration, t: Target): Promise<boolean> {
  if (t.kind !== "s3") return false;
  try {
    const cfg = config(env);
    const lease = await credentialsFor(env, ctx, integ, Date.now() + 60_000);
    const page = await listObjectsV2(
      { creds: lease.creds, region: signingRegion(integ, t.region), endpoint: integ.row.endpoint ?? cfg.s3Endpoint, retry: cfg.outbound },
      t.bucket,
      { prefix: t.key, maxKeys: 1 },
    );
    return !page.objects.some((o) => o.key === t.key);
  } catch {
    return false; // cannot list either: access denied is all we know
  }
}

/**
 * What browsers send (validation/browser-cors.ts): a preflight and a GET of the signed URL, from
 * each labeling frontend origin and from `null`, the origin a browser sends after signpost's 302.
 */
async function checkCors(key: string, integ: Integration, t: Target, url: string, origins: string[]): Promise<DiagnoseResponse | null> {
  let problems: string[];
  try {
    problems = await browserCorsProblems([{ label: objectName(t), objectUrl: url.split("?")[0]!, signedUrl: url }], origins);
  } catch {
    throw new ApiError("upstream_error", `The storage service did not answer the CORS probes for ${objectName(t)}; try again shortly.`);
  }
  if (problems.length === 0) return null;
  const fix =
    t.kind === "s3"
      ? `Browsers send Origin: null after signpost's redirect. In the S3 console (bucket → Permissions → Cross-origin resource sharing), paste: ${JSON.stringify(corsConfigurationConsole(integ.row, origins))}`
      : t.kind === "gcs"
        ? `Browsers send Origin: null after signpost's redirect. Set the bucket's CORS configuration:\n${gcsCorsCommands([t.bucket], origins)}`
        : `Browsers send Origin: null after signpost's redirect. Add a Blob service CORS rule:\n${azureCorsCommand(t.account ?? "YOUR-ACCOUNT", origins)}`;
  return answer(
    key,
    "cors",
    `A browser would refuse the bucket's answers: ${problems.join("; ")}. Images load in <img>, but the fetch API, canvas reads and video players with crossorigin fail.`,
    fix,
  );
}

export async function diagnoseObject(env: Env, ctx: Background, integ: Integration, key: string): Promise<DiagnoseResponse> {
  const target = targetOf(env, integ, key);
  if ("cause" in target) return target;
  let url: string;
  try {
    const signed = await signObject(env, ctx, integ, {
      bucket: target.bucket,
      key: target.key,
      regionHint: target.region,
      objectKind: target.kind,
      account: target.account,
      ttl: 60,
    });
    url = signed.url;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.code === "scope_not_allowed") return answer(key, "scope", err.message, err.hint ?? null);
    if (err.code === "role_cannot_be_assumed") return answer(key, "credentials", err.message, err.hint ?? "Run the integration's checks for details.");
    throw err;
  }
  let res: Response;
  let body: string;
  try {
    res = await outboundFetch(url, { headers: { range: "bytes=0-0" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    body = res.status === 200 || res.status === 206 ? (await res.arrayBuffer(), "") : await res.text();
  } catch {
    throw new ApiError("upstream_error", `The storage service did not answer for ${objectName(target)}; try again shortly.`);
  }
  const failed = classify(key, integ, target, res, body);
  if (failed?.cause === "access_denied" && (await missingBehindAccessDenied(env, ctx, integ, target))) {
    return answer(
      key,
      "not_found",
      `${objectName(target)} does not exist (S3 answered AccessDenied, as it does for a missing key when the role may not list it; a listing of that key finds nothing).`,
      "Check the key: keys are case-sensitive and must match exactly, including any prefix and the file extension.",
    );
  }
  if (failed) return failed;
  const origins = config(env).corsOrigins;
  const cors = origins.length > 0 ? await checkCors(key, integ, target, url, origins) : null;
  if (cors) return cors;
  return answer(
    key,
    "ok",
    `Labelers can load ${objectName(target)}: signed, read${origins.length > 0 ? `, and browsers from ${origins.join(", ")} (and after the redirect, Origin: null) may read it` : ""}.`,
    null,
  );
}
