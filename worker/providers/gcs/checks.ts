/**
 * Validation of a gcs integration. Checks, in order:
 *
 * | name | proves |
 * |---|---|
 * | `service_account_email` | the integration names the owner's service account |
 * | `token` | signpost obtains an OAuth token as its own service account (GCP_SERVICE_ACCOUNT_KEY works) |
 * | `impersonation` | IAM Credentials signBlob as the owner's service account works (Token Creator granted) |
 * | `get_object` | a V4 signed GET (sampleKey, else a made-up key: "not found" still proves access) is accepted and read is allowed (Storage Object Viewer) |
 * | `cors` | the scoped buckets answer browser preflights and GETs from every CORS_ORIGINS origin and from `null` (after the redirect) |
 *
 * Nothing is cached: every run asks Google again. Every failure names the missing role and
 * the command that grants it.
 */
import type { Env } from "../../env";
import { config, type GcpEndpoints } from "../../config";
import { federatedTokenSource, forgetFederatedTokens, integrationPrincipal, tokenCreatorBindingCommand, workloadIdentityProviderOf } from "./keyless";
import { ApiError } from "../../http/errors";
import type { RetryPolicy } from "../../lib/outbound";
import type { Integration } from "../../integrations/model";
import { parseServiceAccountKey } from "../../gcp/service-account";
import { requestGcpAccessToken } from "../../gcp/token";
import { signBlob, TOKEN_CREATOR_ROLE } from "../../gcp/sign-blob";
import { GCS_ENDPOINT, completeV4SignedUrl, draftV4SignedUrl } from "../../gcp/v4-url";
import { fail, pass, skip, warn, type CheckResult } from "../../validation/checks";
import { OBJECT_VIEWER_ROLE, SIGNPOST_SA_PLACEHOLDER, gcsCorsCommands, gcsObjectViewerCommand, gcsTokenCreatorCommand } from "./documents";
import { readSignedUrl, readTarget, type ReadResult } from "../probes";
import { corsCheck } from "../../validation/browser-cors";
import { gcsSettings, providerScopes, scopedBuckets } from "../settings";

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const describe = (e: unknown) => (e instanceof ApiError ? e.message : "unexpected error");

export async function validateGcs(env: Env, integ: Integration, sampleKey: string | undefined): Promise<CheckResult[]> {
  const cfg = config(env);
  const retry = cfg.outbound;
  const endpoints = cfg.gcpEndpoints;
  const checks: CheckResult[] = [];
  const email = gcsSettings(integ).serviceAccountEmail;

  // service_account_email
  let emailOk = false;
  if (!email) {
    checks.push(
      fail(
        "service_account_email",
        "No service account email is set.",
        "Create a service account in the bucket owner's project (gcloud iam service-accounts create signpost-reader) and set serviceAccountEmail to its email.",
      ),
    );
  } else if (!EMAIL.test(email)) {
    checks.push(
      fail(
        "service_account_email",
        `"${email.slice(0, 100)}" is not a service account email.`,
        "Service account emails look like name@project.iam.gserviceaccount.com.",
      ),
    );
  } else {
    emailOk = true;
    checks.push(
      /\.gserviceaccount\.com$/.test(email)
        ? pass("service_account_email", `signpost signs as ${email}.`)
        : warn(
            "service_account_email",
            `${email} does not look like a service account email.`,
            "Service account emails end in .gserviceaccount.com (name@project.iam.gserviceaccount.com).",
          ),
    );
  }

  // token
  let token: string | null = null;
  let signpostSa: string | null = null;
  const federation = workloadIdentityProviderOf(integ);
  if (federation) {
    // Keyless: a federated token for this integration, no GCP_SERVICE_ACCOUNT_KEY.
    try {
      signpostSa = integrationPrincipal(federation, integ.id);
      forgetFederatedTokens();
      token = (await federatedTokenSource(env, integ, federation).get()).token;
      checks.push(pass("token", `Google's STS exchanged signpost's token for ${signpostSa} through ${federation}.`));
    } catch (e) {
      checks.push(
        fail(
          "token",
          `signpost cannot obtain a federated Google token: ${describe(e)}`,
          e instanceof ApiError && e.code === "sts_unavailable"
            ? "Google did not answer; run the checks again in a minute."
            : (e instanceof ApiError && e.hint) || "Check workloadIdentityProvider.",
        ),
      );
    }
  } else {
    try {
      const sa = parseServiceAccountKey(env.GCP_SERVICE_ACCOUNT_KEY);
      signpostSa = sa.clientEmail;
      token = (await requestGcpAccessToken(sa, { retry, oauthEndpoint: endpoints.oauth })).token;
      checks.push(pass("token", `signpost obtained a Google access token as ${sa.clientEmail}.`));
    } catch (e) {
      const hint =
        e instanceof ApiError && e.hint ? e.hint : "Check GCP_SERVICE_ACCOUNT_KEY (wrangler secret put GCP_SERVICE_ACCOUNT_KEY with signpost's JSON key file).";
      checks.push(
        fail(
          "token",
          `signpost cannot obtain Google credentials: ${describe(e)}`,
          e instanceof ApiError && e.code === "sts_unavailable" ? "Google did not answer; run the checks again in a minute." : hint,
        ),
      );
    }
  }
  const caller = signpostSa ?? SIGNPOST_SA_PLACEHOLDER;

  // impersonation
  let canSign = false;
  if (!token || !emailOk) {
    checks.push(skip("impersonation", !token ? "Needs signpost's own Google token first." : "Needs a service account email first."));
  } else {
    try {
      await signBlob(
        { accessToken: token, serviceAccountEmail: email!, payload: new TextEncoder().encode("signpost impersonation check"), callerEmail: caller },
        { retry, iamEndpoint: endpoints.iamCredentials ?? undefined },
      );
      canSign = true;
      checks.push(pass("impersonation", `signpost can sign as ${email} (Service Account Token Creator is granted).`));
    } catch (e) {
      const denied = e instanceof ApiError && e.code === "role_cannot_be_assumed" && e.message.includes(TOKEN_CREATOR_ROLE);
      checks.push(
        fail(
          "impersonation",
          denied
            ? `signpost cannot sign as ${email}: ${caller} lacks Service Account Token Creator (${TOKEN_CREATOR_ROLE}) on it, or the service account does not exist.`
            : `signpost cannot sign as ${email}: ${describe(e)}`,
          denied
            ? `Grant ${caller} the role Service Account Token Creator (${TOKEN_CREATOR_ROLE}) on ${email}: ${federation ? tokenCreatorBindingCommand(federation, integ.id, email!) : gcsTokenCreatorCommand(email!, caller)}`
            : e instanceof ApiError && e.code === "sts_unavailable"
              ? "Google did not answer; run the checks again in a minute."
              : (e instanceof ApiError && e.hint) || "Check the service account email stored in the integration.",
        ),
      );
    }
  }

  // get_object
  const scopes = providerScopes(integ);
  const read = readTarget(scopes, sampleKey);
  let readUrl: string | null = null;
  if (!canSign) checks.push(skip("get_object", "Needs signing as the service account first."));
  else if (!read) {
    checks.push(
      sampleKey !== undefined && scopes.length > 0
        ? fail(
            "get_object",
            `Cannot read objects: sampleKey "${sampleKey.slice(0, 200)}" is outside the integration's scopes.`,
            "Pass a sampleKey inside one of the scopes.",
          )
        : skip("get_object", "The integration has no scopes, so there is no bucket to read from. Add a scope (bucket or bucket/prefix/)."),
    );
  } else {
    const got = await checkGetObject(token!, email!, caller, read, retry, endpoints);
    checks.push(got.check);
    readUrl = got.signedUrl;
  }

  // cors
  const buckets = scopedBuckets(integ);
  if (cfg.corsOrigins.length === 0) checks.push(skip("cors", "CORS_ORIGINS is not set: no labeling frontend origins to check."));
  else if (buckets.length === 0) checks.push(skip("cors", "The integration has no scopes: no bucket to check."));
  else {
    const targets = buckets.map((b) => ({
      label: `gs://${b}`,
      objectUrl: `${endpoints.storage ?? GCS_ENDPOINT}/${b}/.signpost-cors-check`,
      signedUrl: read?.bucket === b ? readUrl : null,
    }));
    checks.push(
      await corsCheck(targets, cfg.corsOrigins, {
        refused: "the buckets' answers",
        fix: `Browsers send Origin: null to the bucket after signpost's redirect, so the rules must allow it besides ${cfg.corsOrigins.join(", ")}. Set the buckets' CORS configuration:\n${gcsCorsCommands(buckets, cfg.corsOrigins)}`,
        noAnswer: "Cloud Storage did not answer the CORS probes.",
      }),
    );
  }
  return checks;
}

/** The get_object check, and the signed URL it read (the `cors` check GETs it again with an Origin). */
async function checkGetObject(
  token: string,
  email: string,
  caller: string,
  t: { bucket: string; key: string; probe: boolean },
  retry: RetryPolicy,
  endpoints: GcpEndpoints,
): Promise<{ check: CheckResult; signedUrl: string | null }> {
  let signedUrl: string | null = null;
  let res;
  try {
    const draft = await draftV4SignedUrl({
      bucket: t.bucket,
      key: t.key,
      serviceAccountEmail: email,
      signingTime: Date.now(),
      expiresSeconds: 300,
      endpoint: endpoints.storage,
    });
    const signed = await signBlob(
      { accessToken: token, serviceAccountEmail: email, payload: new TextEncoder().encode(draft.stringToSign), callerEmail: caller },
      { retry, iamEndpoint: endpoints.iamCredentials ?? undefined },
    );
    signedUrl = completeV4SignedUrl(draft, signed.signature);
    res = await readSignedUrl(signedUrl);
  } catch (e) {
    return {
      check: fail(
        "get_object",
        `Cannot read objects: ${e instanceof ApiError ? e.message : "Cloud Storage did not answer"}`,
        "Check the bucket and key; if Google is unreachable, run the checks again later.",
      ),
      signedUrl,
    };
  }
  return { check: readResult(res, email, t), signedUrl };
}

function readResult(res: ReadResult, email: string, t: { bucket: string; key: string; probe: boolean }): CheckResult {
  const name = `gs://${t.bucket}/${t.key.slice(0, 200)}`;
  if (res.status === 200 || res.status === 206) return pass("get_object", `Read ${res.bytes} bytes of ${name} through a signed URL.`);
  if (res.status === 404 && res.code === "NoSuchKey" && t.probe) {
    return pass(
      "get_object",
      `A signed URL for gs://${t.bucket} was accepted and ${email} may read objects (the made-up object ${name} does not exist, as expected). Pass sampleKey to read a real object.`,
    );
  }
  if (res.code === "NoSuchBucket")
    return fail("get_object", `Cannot read objects: the bucket gs://${t.bucket} does not exist.`, "Check the bucket names in the integration's scopes.");
  if (res.code === "NoSuchKey") return fail("get_object", `Cannot read objects: ${name} does not exist.`, "Pass an existing sampleKey.");
  if (res.status === 403 && res.code === "AccessDenied") {
    return fail(
      "get_object",
      `Cannot read objects: ${email} lacks Storage Object Viewer (${OBJECT_VIEWER_ROLE}) on gs://${t.bucket}.`,
      `Grant ${email} the role Storage Object Viewer (${OBJECT_VIEWER_ROLE}) on the bucket: ${gcsObjectViewerCommand(t.bucket, email)}`,
    );
  }
  return fail(
    "get_object",
    `Cannot read objects: Cloud Storage answered HTTP ${res.status}${res.code ? ` ${res.code}` : ""}${res.details ? `: ${res.details.slice(0, 200)}` : ""}.`,
    res.code === "SignatureDoesNotMatch" || res.code === "ExpiredToken"
      ? "Cloud Storage refused the signature: check signpost's clock, then run the checks again."
      : "Check the bucket's IAM and any organization policies on it.",
  );
}
