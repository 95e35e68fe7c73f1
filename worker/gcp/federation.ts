/**
 * Workload Identity Federation: signpost's OIDC token exchanged at Google's Security Token
 * Service for a federated access token (RFC 8693 token exchange). The federated principal
 * `principal://iam.googleapis.com/{pool}/subject/integration:{id}` then calls signBlob as the
 * owner's service account, on which the owner granted it Service Account Token Creator.
 */
import { ApiError } from "../lib/errors";
import { postTokenForm, type RetryPolicy } from "../lib/outbound";
import { GCP_SCOPE, type AccessToken } from "./token";
import { providerUnavailable } from "../lib/errors";

export const GOOGLE_STS_ENDPOINT = "https://sts.googleapis.com";
const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

/** `projects/{number}/locations/global/workloadIdentityPools/{pool}/providers/{provider}` */
export const WORKLOAD_IDENTITY_PROVIDER = /^projects\/(\d{1,20})\/locations\/global\/workloadIdentityPools\/([a-z0-9-]{4,32})\/providers\/([a-z0-9-]{4,32})$/;

export interface WorkloadIdentityProvider {
  name: string;
  projectNumber: string;
  pool: string;
  provider: string;
}

export function parseWorkloadIdentityProvider(name: string): WorkloadIdentityProvider | null {
  const m = WORKLOAD_IDENTITY_PROVIDER.exec(name);
  return m ? { name, projectNumber: m[1]!, pool: m[2]!, provider: m[3]! } : null;
}

/** The `aud` Google expects of an OIDC token for this provider (its default allowed audience). */
export function workloadIdentityAudience(providerName: string): string {
  return `https://iam.googleapis.com/${providerName}`;
}

/** The IAM member a federated token acts as, for `sub` (attribute mapping google.subject=assertion.sub). */
export function federatedPrincipal(p: WorkloadIdentityProvider, subject: string): string {
  return `principal://iam.googleapis.com/projects/${p.projectNumber}/locations/global/workloadIdentityPools/${p.pool}/subject/${subject}`;
}

export interface ExchangeOptions {
  retry?: RetryPolicy;
  /** Google STS origin override (GCP_ENDPOINT_URL_STS). */
  stsEndpoint?: string | null;
  now?: () => number;
}

/**
 * One token exchange. Throws `role_cannot_be_assumed` (Google refused the token: pool or
 * provider missing, issuer or audience not configured as signpost's) or `sts_unavailable`.
 */
export async function exchangeForFederatedToken(providerName: string, subjectToken: string, opts: ExchangeOptions = {}): Promise<AccessToken> {
  const clock = opts.now ?? Date.now;
  const url = `${(opts.stsEndpoint ?? GOOGLE_STS_ENDPOINT).replace(/\/+$/, "")}/v1/token`;
  const form = {
    grant_type: TOKEN_EXCHANGE_GRANT,
    audience: `//iam.googleapis.com/${providerName}`,
    scope: GCP_SCOPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
    subject_token_type: JWT_TOKEN_TYPE,
    subject_token: subjectToken,
  };
  const {
    res,
    body: text,
    sentAt,
  } = await postTokenForm(url, () => form, {
    clock,
    retry: opts.retry,
    unavailable: (detail) => providerUnavailable(`Google's Security Token Service is unavailable (${detail})`),
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // described by status below
  }
  if (res.ok && typeof json.access_token === "string" && Number(json.expires_in) > 0) {
    return { token: json.access_token, expiresAt: sentAt + Number(json.expires_in) * 1000 };
  }
  const code = typeof json.error === "string" ? json.error : `HTTP ${res.status}`;
  const description = typeof json.error_description === "string" ? `: ${json.error_description.slice(0, 300)}` : "";
  throw new ApiError("role_cannot_be_assumed", `Google's Security Token Service refused signpost's token for ${providerName} (${code}${description}).`);
}
