/**
 * Credentials for signing, per integration: in-isolate memory → KV (sealed, expiring with the
 * credentials: worker/store/sealed-kv.ts) → STS AssumeRole (signpost's principal and the External ID) or, for keyless
 * integrations (identity "oidc"), AssumeRoleWithWebIdentity with signpost's own token.
 *
 * - One refresh in flight per integration per isolate: 50 cold requests, one AssumeRole.
 * - A URL is never signed with credentials that expire before it does: callers say until when
 *   they need the credentials (`needUntil`), and anything shorter is refreshed first.
 * - Credentials are refreshed in the background well before that point, so warm requests
 *   never wait for STS.
 * - While STS is unavailable, cached credentials keep serving as long as they are valid at
 *   all (`degraded`: the caller shortens the URL to fit); after an outage, STS is tried at
 *   most once per backoff window per integration, however many requests arrive.
 */
import type { Background, Env } from "../../env";
import { config } from "../../config";
import { ApiError } from "../../http/errors";
import type { Integration } from "../../integrations/model";
import { defaultStsRegion, partitionOfRegion, parseRoleArn, stsHost, type Partition } from "../../aws/partition";
import { sessionPolicy } from "../../aws/session-policy";
import type { AwsCredentials } from "../../aws/sigv4";
import { assumeRole, assumeRoleWithWebIdentity, StsError, type StsEndpoint, type StsTarget, type TemporaryCredentials } from "../../aws/sts";
import { mintIntegrationToken } from "../../oidc/issuer";
import { oidcProviderArn, STS_AUDIENCE, webIdentityConditions, type IssuerRef } from "./policies";
import { decrypt, encryptionKey } from "../../store/encryption";
import { credentialsKvKey, kvExpiration, readSealed, writeSealed } from "../../store/sealed-kv";
import { countStsCall } from "../../ops/usage";

export interface Lease {
  creds: AwsCredentials;
  /** Epoch ms; null for long-term keys. */
  expiration: number | null;
  /** True when STS is unavailable and these credentials expire before `needUntil`. */
  degraded: boolean;
}

/** Background refresh starts this long before credentials stop covering the longest URL. */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Clock skew allowance between signpost and AWS. */
export const SKEW_MS = 5_000;
const DENIED_CACHE_MS = 10_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

interface State {
  creds: TemporaryCredentials | null;
  inflight: Promise<TemporaryCredentials> | null;
  backoffUntil: number;
  backoffMs: number;
  denied: { until: number; error: ApiError } | null;
}

const STATES = new Map<string, State>();
const STATIC = new Map<string, Promise<AwsCredentials>>();

/** Test hook: drop everything cached in this isolate. */
export function forgetCredentials(): void {
  STATES.clear();
  STATIC.clear();
}

/** Identity of what the credentials were issued for: an edit of any of these invalidates them. */
function fingerprint(integ: Integration): string {
  const r = integ.row;
  return [r.provider, r.identity, r.roleArn, r.externalId, r.sessionDurationSeconds, r.accessKeyId, r.scopes, r.writeScopes, r.updatedAt].join("|");
}

async function fingerprintHash(integ: Integration): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(fingerprint(integ)));
  return [...new Uint8Array(d).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function state(key: string): State {
  let s = STATES.get(key);
  if (!s) {
    if (STATES.size > 5000) STATES.delete(STATES.keys().next().value!);
    STATES.set(key, (s = { creds: null, inflight: null, backoffUntil: 0, backoffMs: BACKOFF_MIN_MS, denied: null }));
  }
  return s;
}

/** The secret of a static-key integration, decrypted once per row version. */
export function staticKeys(env: Env, integ: Integration): Promise<AwsCredentials> {
  const r = integ.row;
  const memo = `${r.id}|${r.updatedAt}|${r.accessKeyId}`;
  let p = STATIC.get(memo);
  if (!p) {
    p = (async () => {
      if (!r.accessKeyId || !r.secretAccessKeyEnc) {
        throw new ApiError("role_cannot_be_assumed", "This integration has no access key.", "Add the access key id and secret in the admin page.");
      }
      const secret = await decrypt(await encryptionKey(env.ENCRYPTION_KEY), r.secretAccessKeyEnc, secretContext(r.id));
      if (secret == null) {
        throw new ApiError(
          "internal_error",
          "The stored secret key cannot be decrypted with the current ENCRYPTION_KEY.",
          "Re-enter the secret access key in the admin page.",
        );
      }
      return { accessKeyId: r.accessKeyId, secretAccessKey: secret };
    })();
    p.catch(() => STATIC.delete(memo));
    STATIC.set(memo, p);
  }
  return p;
}

export function secretContext(integrationId: string): string {
  return `integration:${integrationId}:secret_access_key`;
}

export function signpostPrincipal(env: Env): AwsCredentials {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw new ApiError(
      "internal_error",
      "signpost's AWS principal is not configured.",
      'Set the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY secrets with `wrangler secret put`, or make the integration keyless (identity "oidc": signpost assumes the role with its own OIDC token and needs no AWS keys; README: Keyless deployment).',
    );
  }
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
}

/** The STS region for a role: STS_REGION when it is in the role's partition. */
export function stsRegionFor(env: Env, partition: Partition, integrationRegion: string): string {
  const cfg = config(env);
  if (partitionOfRegion(cfg.stsRegion) === partition) return cfg.stsRegion;
  if (partitionOfRegion(integrationRegion) === partition) return integrationRegion;
  return defaultStsRegion(partition);
}

export function stsEndpoint(env: Env, region: string): StsEndpoint {
  const cfg = config(env);
  return { endpoint: cfg.stsEndpoint ?? `https://${stsHost(region)}`, region, retry: cfg.outbound };
}

export function stsTarget(env: Env, region: string, principal: AwsCredentials): StsTarget {
  return { ...stsEndpoint(env, region), principal };
}

export function isKeyless(integ: Integration): boolean {
  return integ.row.provider === "aws_role" && integ.row.identity === "oidc";
}

/** What the owner's account must hold for a keyless role: the provider and the trust conditions. */
export function webIdentityHint(env: Env, integ: Integration): string {
  const issuer: IssuerRef | null = config(env).oidc;
  return (
    `The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the IAM OIDC provider ${oidcProviderArn(integ.row, issuer)} ` +
    `(create it with: aws iam create-open-id-connect-provider --url ${issuer?.issuer ?? "<OIDC_ISSUER>"} --client-id-list ${STS_AUDIENCE}) ` +
    `with the conditions ${JSON.stringify({ StringEquals: webIdentityConditions(integ.row, issuer) })}. Run the checks on the admin page for details.`
  );
}

/** The principal that calls AssumeRole: signpost's own, or the integration's static keys. */
export async function assumingPrincipal(env: Env, integ: Integration): Promise<AwsCredentials> {
  return integ.row.provider === "aws_keys" ? staticKeys(env, integ) : signpostPrincipal(env);
}

export function stsErrorToApi(err: StsError, retryAfterSeconds: number, deniedHint?: string): ApiError {
  if (err.kind === "unavailable") {
    return new ApiError("sts_unavailable", `AWS STS is unavailable (${err.awsCode}); try again shortly.`, undefined, {
      "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
  return new ApiError(
    "role_cannot_be_assumed",
    `Role cannot be assumed: ${err.awsCode}: ${err.message}`,
    deniedHint ??
      "Check the role's trust policy: it must trust signpost's principal and require this integration's External ID. Run the checks on the admin page for details.",
  );
}

async function assumeForSigning(env: Env, integ: Integration): Promise<TemporaryCredentials> {
  const r = integ.row;
  const arn = parseRoleArn(r.roleArn ?? "");
  if (!arn) {
    throw new ApiError("role_cannot_be_assumed", "This integration has no valid role ARN yet.", "Paste the ARN of the role you created in the admin page.");
  }
  const region = stsRegionFor(env, arn.partition, r.region);
  const common = {
    roleArn: r.roleArn!,
    sessionName: `signpost-${r.id}`.slice(0, 64),
    durationSeconds: r.sessionDurationSeconds,
    policy: sessionPolicy(arn.partition, integ.scopes, integ.writeScopes),
  };
  if (isKeyless(integ)) {
    if (!config(env).oidc) {
      throw new ApiError(
        "internal_error",
        "This integration is keyless but signpost's OIDC issuer is not configured.",
        `Set ${config(env).oidcMissing.join(" and ")} (README: Keyless deployment).`,
      );
    }
    const webIdentityToken = await mintIntegrationToken(env, r.id, STS_AUDIENCE);
    countStsCall(integ.id);
    return assumeRoleWithWebIdentity(stsEndpoint(env, region), { ...common, webIdentityToken });
  }
  const principal = await assumingPrincipal(env, integ);
  countStsCall(integ.id);
  return assumeRole(stsTarget(env, region, principal), { ...common, externalId: r.externalId });
}

const isCredentials = (v: unknown): v is TemporaryCredentials => {
  const c = v as TemporaryCredentials;
  return !!c && typeof c.expiration === "number" && !!c.accessKeyId && !!c.secretAccessKey && !!c.sessionToken;
};

async function writeKv(env: Env, kvKey: string, c: TemporaryCredentials): Promise<void> {
  const expiration = kvExpiration(c.expiration);
  if (expiration !== null) await writeSealed(env, kvKey, c, { expiration });
}

/**
 * Credentials valid at least until `needUntil` (epoch ms), or degraded ones when STS is down.
 * `refreshBefore` (epoch ms) is when a background refresh should start; defaults to needUntil + 5 min.
 */
function insecureExternalId(env: Env, integ: Integration): ApiError {
  if (isKeyless(integ)) {
    return new ApiError(
      "role_cannot_be_assumed",
      "Trust policy configured insecurely: the role accepts signpost's tokens for other integrations (or for another audience), so signpost signs nothing for it.",
      webIdentityHint(env, integ),
    );
  }
  return new ApiError(
    "role_cannot_be_assumed",
    "External ID configured insecurely: the role can be assumed without this integration's External ID, so signpost signs nothing for it.",
    `Add "Condition": {"StringEquals": {"sts:ExternalId": "${integ.row.externalId}"}} to the role's trust policy, then validate again.`,
  );
}

export async function credentialsFor(
  env: Env,
  ctx: Background,
  integ: Integration,
  needUntil: number,
  refreshBefore = needUntil + REFRESH_AHEAD_MS,
): Promise<Lease> {
  // Checked before any cache: credentials obtained before validation found the trust policy
  // insecure must not keep signing.
  if (integ.row.externalIdInsecure) throw insecureExternalId(env, integ);
  if (integ.row.provider === "aws_keys" && !integ.row.roleArn) {
    return { creds: await staticKeys(env, integ), expiration: null, degraded: false };
  }
  const fp = await fingerprintMemo(integ);
  const s = state(fp);
  const now = Date.now();
  const covers = (c: TemporaryCredentials | null): c is TemporaryCredentials => !!c && c.expiration - SKEW_MS >= needUntil;

  if (covers(s.creds)) {
    if (s.creds.expiration - SKEW_MS < refreshBefore && !s.inflight && now >= s.backoffUntil) {
      ctx.waitUntil(refreshCreds(env, integ, s, fp, true).catch(() => undefined));
    }
    return { creds: s.creds, expiration: s.creds.expiration, degraded: false };
  }
  if (s.denied && now < s.denied.until) throw s.denied.error;

  let fresh: TemporaryCredentials | null = null;
  let failure: ApiError | null = null;
  if (now < s.backoffUntil && !s.inflight) {
    failure = stsErrorToApi(new StsError("unavailable", "Backoff", "recent failures", null), (s.backoffUntil - now) / 1000);
  } else {
    try {
      fresh = await refreshCreds(env, integ, s, fp, false, needUntil);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      failure = err;
    }
  }
  if (covers(fresh)) return { creds: fresh, expiration: fresh.expiration, degraded: false };
  if (failure && failure.code !== "sts_unavailable") throw failure;

  // STS cannot give us what we need right now: the best still-valid credentials we have.
  const candidates: Array<TemporaryCredentials | null> = [fresh, s.creds];
  const best = candidates
    .filter((c): c is TemporaryCredentials => !!c && c.expiration - SKEW_MS > Date.now() + 1000)
    .sort((a, b) => b.expiration - a.expiration)[0];
  if (best) return { creds: best, expiration: best.expiration, degraded: true };
  throw failure ?? new ApiError("sts_unavailable", "Temporary credentials could not be obtained in time.", undefined, { "retry-after": "1" });
}

const FP = new WeakMap<Integration, Promise<string>>();
function fingerprintMemo(integ: Integration): Promise<string> {
  let p = FP.get(integ);
  if (!p) FP.set(integ, (p = fingerprintHash(integ).then((h) => `${integ.id}:${h}`)));
  return p;
}

function refreshCreds(env: Env, integ: Integration, s: State, fp: string, background: boolean, needUntil = 0): Promise<TemporaryCredentials> {
  if (s.inflight) return s.inflight;
  const kvKey = credentialsKvKey(integ.id, fp.slice(fp.indexOf(":") + 1));
  const p = (async () => {
    // Another isolate may have refreshed already.
    if (!background) {
      const cached = await readSealed(env, kvKey, isCredentials);
      if (cached && cached.expiration - SKEW_MS >= needUntil && (!s.creds || cached.expiration > s.creds.expiration)) {
        s.creds = cached;
        return cached;
      }
    }
    try {
      const c = await assumeForSigning(env, integ);
      s.creds = c;
      s.backoffMs = BACKOFF_MIN_MS;
      s.backoffUntil = 0;
      s.denied = null;
      await writeKv(env, kvKey, c);
      return c;
    } catch (err) {
      if (err instanceof StsError) {
        if (err.kind === "unavailable") {
          const wait = s.backoffMs * (0.5 + Math.random() / 2);
          s.backoffUntil = Date.now() + wait;
          s.backoffMs = Math.min(BACKOFF_MAX_MS, s.backoffMs * 2);
          throw stsErrorToApi(err, wait / 1000);
        }
        const api = stsErrorToApi(err, 0, isKeyless(integ) ? webIdentityHint(env, integ) : undefined);
        s.denied = { until: Date.now() + DENIED_CACHE_MS, error: api };
        throw api;
      }
      throw err;
    }
  })().finally(() => {
    s.inflight = null;
  });
  s.inflight = p;
  return p;
}
