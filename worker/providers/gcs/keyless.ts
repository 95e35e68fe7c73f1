/**
 * Keyless GCS (integration setting `workloadIdentityProvider`): access tokens for signBlob come
 * from Workload Identity Federation instead of GCP_SERVICE_ACCOUNT_KEY. signpost mints its
 * token for the integration (`aud` = the provider's default audience), exchanges it at Google's
 * STS, and keeps the federated token until 5 minutes before it expires (one exchange in flight
 * per integration per isolate).
 */
import type { Env } from "../../env";
import { config } from "../../config";
import { ApiError } from "../../http/errors";
import type { Integration } from "../../integrations/model";
import { integrationSubject, mintIntegrationToken } from "../../oidc/issuer";
import { exchangeForFederatedToken, federatedPrincipal, parseWorkloadIdentityProvider, workloadIdentityAudience } from "../../gcp/federation";
import { TOKEN_REFRESH_MARGIN_MS, type AccessToken } from "../../gcp/token";
import { SingleFlightCache } from "../../lib/single-flight";
import { callBudgetMs } from "../../lib/outbound";
import { providerUnavailable } from "../../lib/errors";
import { TOKEN_CREATOR_ROLE, type AccessTokenSource } from "../../gcp/sign-blob";
import { shellQuote } from "../../lib/shell";

const FEDERATED = new SingleFlightCache<AccessToken>(1000);

/** Test hook. */
export function forgetFederatedTokens(): void {
  FEDERATED.clear();
}

export function workloadIdentityProviderOf(integ: Pick<Integration, "settings">): string | null {
  const v = integ.settings.workloadIdentityProvider;
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** The IAM member of this integration's federated identity. */
export function integrationPrincipal(providerName: string, integrationId: string): string {
  const p = parseWorkloadIdentityProvider(providerName);
  if (!p) throw new ApiError("invalid_request", "workloadIdentityProvider: is not a provider resource name.");
  return federatedPrincipal(p, integrationSubject(integrationId));
}

/** The binding that lets this integration's federated identity sign as the owner's service account. */
export function tokenCreatorBindingCommand(providerName: string, integrationId: string, serviceAccountEmail: string): string {
  return `gcloud iam service-accounts add-iam-policy-binding ${shellQuote(serviceAccountEmail)} --member=${shellQuote(integrationPrincipal(providerName, integrationId))} --role=${TOKEN_CREATOR_ROLE}`;
}

function exchangeHint(env: Env, providerName: string): string {
  const issuer = config(env).oidc?.issuer ?? "<OIDC_ISSUER>";
  const p = parseWorkloadIdentityProvider(providerName);
  return (
    `The workload identity provider ${providerName} must exist and trust signpost's issuer: ` +
    `gcloud iam workload-identity-pools providers create-oidc ${shellQuote(p?.provider ?? "signpost")} --location=global --workload-identity-pool=${shellQuote(p?.pool ?? "signpost")} ` +
    `--issuer-uri=${shellQuote(issuer)} --attribute-mapping=google.subject=assertion.sub (in the project numbered ${p?.projectNumber ?? "?"}); ` +
    `its allowed audiences must include ${workloadIdentityAudience(providerName)} (the default).`
  );
}

export function federatedTokenSource(env: Env, integ: Integration, providerName: string): AccessTokenSource {
  const cfg = config(env);
  const key = `${integ.id}|${integ.row.updatedAt}|${providerName}`;
  return {
    caller: integrationPrincipal(providerName, integ.id),
    invalidate: (t) => FEDERATED.delete(key, t),
    get: () =>
      FEDERATED.get(key, {
        needUntil: Date.now() + TOKEN_REFRESH_MARGIN_MS,
        deadlineMs: 2 * callBudgetMs(cfg.outbound),
        onDeadline: () => providerUnavailable("Google's Security Token Service did not answer in time"),
        load: async () => {
          const subjectToken = await mintIntegrationToken(env, integ.id, workloadIdentityAudience(providerName));
          try {
            return await exchangeForFederatedToken(providerName, subjectToken, { retry: cfg.outbound, stsEndpoint: cfg.gcpEndpoints.sts });
          } catch (err) {
            if (err instanceof ApiError && err.code === "role_cannot_be_assumed") throw new ApiError(err.code, err.message, exchangeHint(env, providerName));
            throw err;
          }
        },
      }),
  };
}

/** signBlob refused the federated identity: the hint is the missing binding, with the principal member. */
export function keylessSignBlobError(err: unknown, providerName: string, integrationId: string, serviceAccountEmail: string): unknown {
  if (!(err instanceof ApiError) || err.code !== "role_cannot_be_assumed" || err.hint?.startsWith("The workload identity provider")) return err;
  return new ApiError(
    "role_cannot_be_assumed",
    `signpost's federated identity for this integration (${integrationPrincipal(providerName, integrationId)}) cannot sign as ${serviceAccountEmail}: it lacks ${TOKEN_CREATOR_ROLE} on that service account, or the service account does not exist.`,
    `Grant it: ${tokenCreatorBindingCommand(providerName, integrationId, serviceAccountEmail)}`,
  );
}

/**
 * The owner's one-time set-up for keyless GCS, every value filled in: the pool, the OIDC
 * provider trusting signpost's issuer (google.subject = the token's sub), and the binding
 * that lets this integration's federated identity sign as the owner's service account.
 */
export function workloadIdentityCommands(env: Env, integrationId: string, providerName: string | null, serviceAccountEmail: string | null, project: string | null): string {
  const issuer = config(env).oidc?.issuer ?? "<OIDC_ISSUER: the operator has not configured the issuer>";
  const p = providerName ? parseWorkloadIdentityProvider(providerName) : null;
  const pool = p?.pool ?? "signpost";
  const provider = p?.provider ?? "signpost";
  const projectFlag = project ? ` --project=${shellQuote(project)}` : "";
  const member = p ? integrationPrincipal(p.name, integrationId) : `principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/${pool}/subject/${integrationSubject(integrationId)}`;
  return [
    `gcloud iam workload-identity-pools create ${shellQuote(pool)}${projectFlag} --location=global --display-name=signpost`,
    `gcloud iam workload-identity-pools providers create-oidc ${shellQuote(provider)}${projectFlag} --location=global --workload-identity-pool=${shellQuote(pool)} --issuer-uri=${shellQuote(issuer)} --attribute-mapping=google.subject=assertion.sub`,
    `gcloud iam service-accounts add-iam-policy-binding ${shellQuote(serviceAccountEmail ?? "SERVICE_ACCOUNT_EMAIL")}${projectFlag} --member=${shellQuote(member)} --role=${TOKEN_CREATOR_ROLE}`,
  ].join("\n");
}
