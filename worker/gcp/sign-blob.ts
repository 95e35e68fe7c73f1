/**
 * Signing as the bucket owner's service account through the IAM Credentials API
 * (`projects/-/serviceAccounts/{email}:signBlob`), allowed because the owner granted
 * signpost's service account Service Account Token Creator on theirs; and the whole
 * GCS flow built on it: access token → V4 string-to-sign → signBlob → signed URL.
 *
 * Google documents signBlob-made signed URLs for expirations up to 12 hours only (the
 * Google-managed signing keys rotate), so presignGcsObject never signs longer than that.
 */
import { ApiError } from "../lib/errors";
import { shellQuote } from "../lib/shell";
import { DEFAULT_RETRY, OutboundFailure, fetchWithRetry } from "../lib/outbound";
import { base64Decode, base64Encode } from "../lib/bytes";
import { getGcpAccessToken, invalidateGcpAccessToken, signpostServiceAccount, type AccessToken, type GcpCallOptions, type GcpEnv } from "./token";
import { providerUnavailable } from "../lib/errors";
import { completeV4SignedUrl, draftV4SignedUrl } from "./v4-url";

export const IAM_CREDENTIALS_ENDPOINT = "https://iamcredentials.googleapis.com";
export const TOKEN_CREATOR_ROLE = "roles/iam.serviceAccountTokenCreator";
/** Longest X-Goog-Expires for a URL signed through signBlob. */
export const SIGNBLOB_MAX_EXPIRES_SECONDS = 12 * 3600;

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** Google refused the access token (401): drop it from the cache and try once more. */
export class AccessTokenRejected extends ApiError {
  constructor() {
    super("upstream_error", "Google rejected signpost's access token.");
  }
}

export interface SignBlobParams {
  accessToken: string;
  /** The service account to sign as (the integration's). */
  serviceAccountEmail: string;
  payload: Uint8Array;
  /** signpost's own service account, named in the hint when the grant is missing. */
  callerEmail?: string;
}

export interface SignBlobOptions extends GcpCallOptions {
  /** IAM Credentials API origin override (emulators, tests). */
  iamEndpoint?: string;
  /** Where access tokens come from; default: signpost's service account (GCP_SERVICE_ACCOUNT_KEY). */
  tokenSource?: AccessTokenSource;
}

export interface AccessTokenSource {
  get(): Promise<AccessToken>;
  /** Google refused `token`: the next get() must not return it. */
  invalidate(token: AccessToken): void;
  /** Who signs through signBlob (named in hints). */
  caller: string;
}

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ reason?: string }>;
}

function googleError(body: string): GoogleError {
  try {
    const e = (JSON.parse(body) as { error?: unknown }).error;
    return typeof e === "object" && e !== null ? (e as GoogleError) : {};
  } catch {
    return {};
  }
}

function signBlobError(status: number, body: string, email: string, callerEmail: string | undefined): ApiError {
  const e = googleError(body);
  const said = (e.message ?? "").slice(0, 300);
  const caller = callerEmail ?? "signpost's service account";
  if (status === 401) return new AccessTokenRejected();
  if (status === 403) {
    if (e.details?.some((d) => d.reason === "SERVICE_DISABLED") || /has not been used in project|is disabled/i.test(said)) {
      return new ApiError(
        "upstream_error",
        "The IAM Service Account Credentials API is not enabled in signpost's Google Cloud project.",
        `Enable iamcredentials.googleapis.com in the project of ${caller} (gcloud services enable iamcredentials.googleapis.com).`,
      );
    }
    return new ApiError(
      "role_cannot_be_assumed",
      `signpost cannot sign as ${email}: ${caller} lacks Service Account Token Creator (${TOKEN_CREATOR_ROLE}) on the service account ${email}, or that service account does not exist.`,
      `In the bucket owner's project, grant ${caller} the role ${TOKEN_CREATOR_ROLE} on the service account ${email}: ` +
        `gcloud iam service-accounts add-iam-policy-binding ${shellQuote(email)} --member=${shellQuote(`serviceAccount:${caller}`)} --role=${TOKEN_CREATOR_ROLE}`,
    );
  }
  if (status === 404) {
    return new ApiError(
      "role_cannot_be_assumed",
      `The service account ${email} was not found.`,
      "Check the service account email stored in the integration; the service account may have been deleted.",
    );
  }
  if (status === 400) {
    return new ApiError(
      "role_cannot_be_assumed",
      `Google refused to sign as ${email}: ${e.status ?? "INVALID_ARGUMENT"}${said ? `: ${said}` : ""}`,
      "Check the service account email stored in the integration and that the account is enabled.",
    );
  }
  return new ApiError("upstream_error", `IAM Credentials signBlob answered HTTP ${status}${e.status ? ` ${e.status}` : ""}.`);
}

/**
 * RSA-SHA256 signature of `payload` by `serviceAccountEmail`'s Google-managed key. Throws
 * `role_cannot_be_assumed` (Token Creator missing, account not found, malformed email), `AccessTokenRejected`
 * (401), `upstream_error` (API disabled, malformed answer) or `sts_unavailable` (5xx, 429,
 * network, timeouts after retries).
 */
export async function signBlob(p: SignBlobParams, opts: SignBlobOptions = {}): Promise<{ keyId: string; signature: Uint8Array }> {
  if (!EMAIL.test(p.serviceAccountEmail)) {
    throw new ApiError(
      "role_cannot_be_assumed",
      "The integration's service account email is not an email address.",
      "Store the email of the bucket owner's service account (name@project.iam.gserviceaccount.com) in the integration.",
    );
  }
  const origin = (opts.iamEndpoint ?? IAM_CREDENTIALS_ENDPOINT).replace(/\/+$/, "");
  const url = `${origin}/v1/projects/-/serviceAccounts/${encodeURIComponent(p.serviceAccountEmail)}:signBlob`;
  const body = JSON.stringify({ payload: base64Encode(p.payload) });
  let result: { res: Response; body: string };
  try {
    result = await fetchWithRetry(
      () => new Request(url, { method: "POST", headers: { authorization: `Bearer ${p.accessToken}`, "content-type": "application/json" }, body }),
      (res) => (res.status >= 500 || res.status === 429 ? "retry" : "done"),
      opts.retry ?? DEFAULT_RETRY,
    );
  } catch (err) {
    const detail = err instanceof OutboundFailure ? err.message : "network error";
    throw providerUnavailable(`Google's IAM Credentials API is unavailable (${detail})`);
  }
  const { res, body: text } = result;
  if (!res.ok) throw signBlobError(res.status, text, p.serviceAccountEmail, p.callerEmail);
  try {
    const json = JSON.parse(text) as { keyId?: unknown; signedBlob?: unknown };
    if (typeof json.signedBlob === "string" && typeof json.keyId === "string") {
      const signature = base64Decode(json.signedBlob);
      if (signature.length > 0) return { keyId: json.keyId, signature };
    }
  } catch {
    // handled below
  }
  throw new ApiError("upstream_error", "IAM Credentials signBlob returned no usable signature.");
}

export interface GcsSignRequest {
  /** The integration's service account (the one with Storage Object Viewer on the bucket). */
  serviceAccountEmail: string;
  bucket: string;
  /** Object name, unencoded. */
  key: string;
  /** Requested X-Goog-Expires; capped at SIGNBLOB_MAX_EXPIRES_SECONDS. */
  expiresSeconds: number;
  /** Epoch ms of X-Goog-Date (pass the cache window's start); default now. */
  signingTime?: number;
  responseContentType?: string;
  responseContentDisposition?: string;
  style?: "path" | "virtual";
  /** Storage endpoint override (path-style on it). */
  endpoint?: string | null;
}

export interface GcsSignedUrl {
  url: string;
  /** Epoch ms: X-Goog-Date + X-Goog-Expires. */
  expiresAt: number;
  /** X-Goog-Expires actually signed (the request's, capped at 12 h). */
  expiresSeconds: number;
  /** Google-managed key that signed. */
  keyId: string;
}

/**
 * A V4 signed GET URL for `gs://{bucket}/{key}`, signed as `serviceAccountEmail`. One
 * signBlob call per URL (plus a token request about once an hour per isolate). Throws
 * what getGcpAccessToken, draftV4SignedUrl and signBlob throw.
 */
export async function presignGcsObject(env: GcpEnv, r: GcsSignRequest, opts: SignBlobOptions = {}): Promise<GcsSignedUrl> {
  const source: AccessTokenSource = opts.tokenSource ?? {
    get: () => getGcpAccessToken(env, opts),
    invalidate: (t) => invalidateGcpAccessToken(env, t, opts),
    caller: signpostServiceAccount(env).clientEmail,
  };
  const caller = source.caller;
  const expiresSeconds = Math.min(r.expiresSeconds, SIGNBLOB_MAX_EXPIRES_SECONDS);
  const draft = await draftV4SignedUrl({ ...r, expiresSeconds, signingTime: r.signingTime ?? (opts.now ?? Date.now)() });
  const payload = new TextEncoder().encode(draft.stringToSign);
  const sign = (token: AccessToken) => signBlob({ accessToken: token.token, serviceAccountEmail: r.serviceAccountEmail, payload, callerEmail: caller }, opts);

  let token = await source.get();
  let signed: { keyId: string; signature: Uint8Array };
  try {
    signed = await sign(token);
  } catch (err) {
    if (!(err instanceof AccessTokenRejected)) throw err;
    // Revoked or rotated early: one fresh token, one more try.
    source.invalidate(token);
    token = await source.get();
    signed = await sign(token);
  }
  return { url: completeV4SignedUrl(draft, signed.signature), expiresAt: draft.expiresAt, expiresSeconds, keyId: signed.keyId };
}
