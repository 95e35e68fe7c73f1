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
import { compileIntegration, type Integration, type IntegrationRow } from "../../integrations/model";
import { integrationSubject, mintIntegrationToken } from "../../oidc/issuer";
import { exchangeForFederatedToken, federatedPrincipal, parseWorkloadIdentityProvider, workloadIdentityAudience } from "../../gcp/federation";
import { TOKEN_REFRESH_MARGIN_MS, type AccessToken } from "../../gcp/token";
import { SingleFlightCache } from "../../lib/single-flight";
import { callBudgetMs } from "../../lib/outbound";
import { providerUnavailable } from "../../lib/errors";
import { TOKEN_CREATOR_ROLE, type AccessTokenSource } from "../../gcp/sign-blob";
import { shellQuote } from "../../lib/shell";
import { gcsCorsCommands, gcsObjectViewerCommand, OWNER_SA_PLACEHOLDER } from "./documents";
import { gcsSettings, scopedBuckets, serviceAccountProject } from "../settings";

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
export function workloadIdentityCommands(
  env: Env,
  integrationId: string,
  providerName: string | null,
  serviceAccountEmail: string | null,
  project: string | null,
): string {
  const issuer = config(env).oidc?.issuer ?? "<OIDC_ISSUER: the operator has not configured the issuer>";
  const p = providerName ? parseWorkloadIdentityProvider(providerName) : null;
  const pool = p?.pool ?? "signpost";
  const provider = p?.provider ?? "signpost";
  const projectFlag = project ? ` --project=${shellQuote(project)}` : "";
  const member = p
    ? integrationPrincipal(p.name, integrationId)
    : `principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/${pool}/subject/${integrationSubject(integrationId)}`;
  return [
    `gcloud iam workload-identity-pools create ${shellQuote(pool)}${projectFlag} --location=global --display-name=signpost`,
    `gcloud iam workload-identity-pools providers create-oidc ${shellQuote(provider)}${projectFlag} --location=global --workload-identity-pool=${shellQuote(pool)} --issuer-uri=${shellQuote(issuer)} --attribute-mapping=google.subject=assertion.sub`,
    `gcloud iam service-accounts add-iam-policy-binding ${shellQuote(serviceAccountEmail ?? "SERVICE_ACCOUNT_EMAIL")}${projectFlag} --member=${shellQuote(member)} --role=${TOKEN_CREATOR_ROLE}`,
  ].join("\n");
}

/** Pool and provider the owner's keyless set-up creates when the integration names none yet. */
const DEFAULT_POOL = "signpost";
const DEFAULT_PROVIDER = "signpost";

/**
 * The owner's whole keyless GCS set-up as commands (the invite page's document; gcloud.sh runs
 * them): the service account with read access, the pool and the OIDC provider trusting
 * signpost's issuer, Token Creator for this integration's federated identity, the bucket CORS.
 * The provider's resource name needs the project number: the commands look it up into
 * $PROJECT_NUMBER, and the last one prints the `workloadIdentityProvider` to register.
 */
export function keylessGcsSetupCommands(env: Env, row: IntegrationRow): { commands: string; providerName: string } {
  const integ = compileIntegration(row);
  const email = gcsSettings(integ).serviceAccountEmail ?? OWNER_SA_PLACEHOLDER;
  const project = serviceAccountProject(email) ?? "YOUR-PROJECT";
  const stored = workloadIdentityProviderOf(integ);
  const p = stored ? parseWorkloadIdentityProvider(stored) : null;
  const pool = p?.pool ?? DEFAULT_POOL;
  const provider = p?.provider ?? DEFAULT_PROVIDER;
  const issuer = config(env).oidc?.issuer ?? "<OIDC_ISSUER: the operator has not configured the issuer>";
  const buckets = scopedBuckets(integ);
  // Double-quoted so the shell fills in the number; every other character is from fixed sets.
  const providerName = `projects/\${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${pool}/providers/${provider}`;
  const member = `principal://iam.googleapis.com/projects/\${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${pool}/subject/${integrationSubject(row.id)}`;
  const projectFlag = ` --project=${shellQuote(project)}`;
  const commands = [
    `# Keyless: Google trusts signpost's own short-lived tokens (Workload Identity Federation); no key is created anywhere.`,
    "# 1. The service account signpost signs as (skip the first command if it exists), with read access to the bucket(s):",
    `gcloud iam service-accounts create ${shellQuote(email.split("@")[0]!)}${projectFlag} --display-name='signpost reader'`,
    ...(buckets.length > 0 ? buckets : ["YOUR-BUCKET"]).map((b) => gcsObjectViewerCommand(b, email)),
    "# 2. A workload identity pool and a provider trusting signpost's issuer (once per project; skip what exists):",
    `PROJECT_NUMBER="$(gcloud projects describe ${shellQuote(project)} --format='value(projectNumber)')"`,
    `gcloud iam workload-identity-pools create ${pool}${projectFlag} --location=global --display-name=signpost`,
    `gcloud iam workload-identity-pools providers create-oidc ${provider}${projectFlag} --location=global --workload-identity-pool=${pool} --issuer-uri=${shellQuote(issuer)} --attribute-mapping=google.subject=assertion.sub`,
    "# 3. Let this integration's federated identity sign as the service account (Service Account Token Creator):",
    `gcloud iam service-accounts add-iam-policy-binding ${shellQuote(email)}${projectFlag} --member="${member}" --role=${TOKEN_CREATOR_ROLE}`,
    "# 4. Let the labeling frontends read the objects (bucket CORS):",
    gcsCorsCommands(buckets.length > 0 ? buckets : ["YOUR-BUCKET"], config(env).corsOrigins),
    "# 5. The workload identity provider to register with signpost (the invite page's field):",
    `echo "workloadIdentityProvider: ${providerName}"`,
  ].join("\n");
  return { commands, providerName };
}
