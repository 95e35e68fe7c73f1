/**
 * GCS for an integration: a V4 signed GET URL for `gs://{bucket}/{key}`, signed through IAM
 * Credentials signBlob as the owner's service account (worker/gcp/sign-blob.ts), path-style
 * on https://storage.googleapis.com.
 *
 * signBlob is a network call per URL, so every URL is kept for its cache window (memory, then
 * KV: worker/providers/url-cache.ts): a repeat inside the window costs Google nothing. At most
 * GATE_WIDTH signBlob calls run at once per request (a /v1/sign batch of GCS URLs queues
 * behind them rather than queueing inside the runtime, where timeouts would already run).
 * While Google is unavailable, the URL made in the previous window is served while it is
 * still valid, with its real (shorter) lifetime.
 */
import type { Background, Env } from "../../env";
import { config } from "../../config";
import { ApiError } from "../../http/errors";
import type { Integration } from "../../integrations/model";
import { presignGcsObject } from "../../gcp/sign-blob";
import { callBudgetMs } from "../../lib/outbound";
import { providerUnavailable } from "../../lib/errors";
import { secondsLeft, validUntil } from "../../signing/window";
import type { PlannedRequest, SignedUrl } from "../types";
import { cachedSignedUrl, peekSignedUrl } from "../url-cache";
import { countStsCall } from "../../ops/usage";
import { gcsSettings } from "../settings";
import { federatedTokenSource, keylessSignBlobError, workloadIdentityProviderOf } from "./keyless";

const GATE_WIDTH = 6;
/** After Google refused to sign as the service account, refuse for this long without asking again. */
const DENIED_CACHE_MS = 10_000;

class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  async run<T>(f: () => Promise<T>): Promise<T> {
    while (this.active >= GATE_WIDTH) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const GATES = new WeakMap<object, Gate>();
const DENIED = new Map<string, { until: number; error: ApiError }>();

function gateFor(ctx: Background): Gate {
  let g = GATES.get(ctx);
  if (!g) GATES.set(ctx, (g = new Gate()));
  return g;
}

/** Test hook. */
export function forgetGcsDenials(): void {
  DENIED.clear();
}

function identity(integ: Integration, email: string, r: PlannedRequest, signingTime: number): string {
  return JSON.stringify([
    "gcs",
    integ.id,
    integ.row.updatedAt,
    email,
    r.bucket,
    r.key,
    r.responseContentType ?? null,
    r.responseContentDisposition ?? null,
    signingTime,
    r.plan.expiresSeconds,
  ]);
}

export async function signGcsObject(env: Env, ctx: Background, integ: Integration, r: PlannedRequest): Promise<SignedUrl> {
  const email = gcsSettings(integ).serviceAccountEmail;
  if (!email) {
    throw new ApiError(
      "role_cannot_be_assumed",
      "This gcs integration has no service account email yet.",
      "Set serviceAccountEmail to the bucket owner's service account (name@project.iam.gserviceaccount.com) and validate.",
    );
  }
  const cfg = config(env);
  const deniedKey = `${integ.id}|${integ.row.updatedAt}`;
  const denied = DENIED.get(deniedKey);
  if (denied && denied.until > r.now) throw denied.error;

  const id = identity(integ, email, r, r.plan.signingTime);
  const federation = workloadIdentityProviderOf(integ);
  const tokenSource = federation ? federatedTokenSource(env, integ, federation) : undefined;
  try {
    const signed = await cachedSignedUrl(
      env,
      ctx,
      {
        namespace: "gcsurl",
        integrationId: integ.id,
        deadlineMs: 4 * callBudgetMs(cfg.outbound),
        onDeadline: () => providerUnavailable("Google's IAM Credentials API did not sign in time"),
      },
      id,
      async () => {
        countStsCall(integ.id);
        const u = await gateFor(ctx).run(() =>
          presignGcsObject(
            env,
            {
              serviceAccountEmail: email,
              bucket: r.bucket,
              key: r.key,
              expiresSeconds: r.plan.expiresSeconds,
              signingTime: r.plan.signingTime,
              responseContentType: r.responseContentType,
              responseContentDisposition: r.responseContentDisposition,
              endpoint: cfg.gcpEndpoints.storage,
            },
            { retry: cfg.outbound, oauthEndpoint: cfg.gcpEndpoints.oauth, iamEndpoint: cfg.gcpEndpoints.iamCredentials ?? undefined, tokenSource },
          ).catch((err: unknown) => {
            throw federation ? keylessSignBlobError(err, federation, integ.id, email) : err;
          }),
        );
        return { url: u.url, expiresAt: u.expiresAt };
      },
    );
    return { url: signed.url, expiresAt: signed.expiresAt, maxAge: secondsLeft(signed.expiresAt, r.now), shortened: false };
  } catch (err) {
    if (err instanceof ApiError && err.code === "role_cannot_be_assumed") {
      if (DENIED.size > 1000) DENIED.clear();
      DENIED.set(deniedKey, { until: Date.now() + DENIED_CACHE_MS, error: err });
    }
    if (err instanceof ApiError && err.code === "sts_unavailable") {
      // Google is down: the previous window's URL, for what is left of it.
      const previous = peekSignedUrl(identity(integ, email, r, r.plan.signingTime - r.plan.windowMs), r.now + 1000);
      if (previous && previous.expiresAt <= validUntil(r.plan)) {
        return { url: previous.url, expiresAt: previous.expiresAt, maxAge: secondsLeft(previous.expiresAt, r.now), shortened: true };
      }
    }
    throw err;
  }
}
