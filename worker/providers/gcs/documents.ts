/**
 * What a bucket owner needs to set up a gcs integration, with the integration's values filled
 * in: signpost's service account to grant, the exact gcloud commands, the CORS rules. The same
 * command builders make the validation hints, so a failed check names the command that fixes it.
 */
import { shellComment, shellQuote } from "../../lib/shell";
import type { Env } from "../../env";
import { config } from "../../config";
import { compileIntegration, type IntegrationRow } from "../../integrations/model";
import { parseServiceAccountKey } from "../../gcp/service-account";
import { TOKEN_CREATOR_ROLE } from "../../gcp/sign-blob";
import { gcsSettings, scopedBuckets, serviceAccountProject } from "../settings";
import { BUCKET_CORS_EXPOSED_HEADERS, BUCKET_CORS_MAX_AGE_SECONDS, BUCKET_CORS_REQUEST_HEADERS, bucketCorsOrigins } from "../../integrations/bucket-cors";

const sh = shellQuote;
const comment = shellComment;

export const OBJECT_VIEWER_ROLE = "roles/storage.objectViewer";

/** signpost's own service account email, or null when GCP_SERVICE_ACCOUNT_KEY is unusable. */
export function signpostServiceAccountEmail(env: Env): string | null {
  try {
    return parseServiceAccountKey(env.GCP_SERVICE_ACCOUNT_KEY).clientEmail;
  } catch {
    return null;
  }
}

export const SIGNPOST_SA_PLACEHOLDER = "SIGNPOST-SERVICE-ACCOUNT (set GCP_SERVICE_ACCOUNT_KEY)";
export const OWNER_SA_PLACEHOLDER = "signpost-reader@YOUR-PROJECT.iam.gserviceaccount.com";

/** Cloud Storage's `responseHeader` lists both the headers a preflight may request and those exposed. */
export function gcsCorsRules(origins: string[]) {
  return [
    {
      origin: bucketCorsOrigins(origins),
      method: ["GET", "HEAD"],
      responseHeader: [...BUCKET_CORS_EXPOSED_HEADERS, ...BUCKET_CORS_REQUEST_HEADERS],
      maxAgeSeconds: BUCKET_CORS_MAX_AGE_SECONDS,
    },
  ];
}

export function gcsTokenCreatorCommand(ownerSa: string, signpostSa: string): string {
  const project = serviceAccountProject(ownerSa);
  return `gcloud iam service-accounts add-iam-policy-binding ${sh(ownerSa)}${project ? ` --project=${sh(project)}` : ""} --member=${sh(`serviceAccount:${signpostSa}`)} --role=${sh(TOKEN_CREATOR_ROLE)}`;
}

export function gcsObjectViewerCommand(bucket: string, ownerSa: string): string {
  return `gcloud storage buckets add-iam-policy-binding ${sh(`gs://${bucket}`)} --member=${sh(`serviceAccount:${ownerSa}`)} --role=${sh(OBJECT_VIEWER_ROLE)}`;
}

export function gcsCorsCommands(buckets: string[], origins: string[]): string {
  return [
    "cat > signpost-cors.json <<'EOF'",
    JSON.stringify(gcsCorsRules(origins), null, 2),
    "EOF",
    ...buckets.map((b) => `gcloud storage buckets update ${sh(`gs://${b}`)} --cors-file=signpost-cors.json`),
  ].join("\n");
}

export function gcsDocuments(env: Env, row: IntegrationRow) {
  const integ = compileIntegration(row);
  const origins = config(env).corsOrigins;
  const signpostSa = signpostServiceAccountEmail(env);
  const ownerSa = gcsSettings(integ).serviceAccountEmail ?? OWNER_SA_PLACEHOLDER;
  const project = serviceAccountProject(ownerSa);
  const buckets = scopedBuckets(integ);
  const bs = buckets.length > 0 ? buckets : ["YOUR-BUCKET"];
  const prefixes = integ.scopes.filter((s) => s.prefix !== "");
  const setup = [
    comment(`signpost signs URLs as ${ownerSa}, through its own service account ${signpostSa ?? SIGNPOST_SA_PLACEHOLDER}.`),
    "# 1. The service account signpost signs as (skip the first command if it exists), with read access to the bucket(s):",
    `gcloud iam service-accounts create ${sh(ownerSa.split("@")[0]!)} --project=${sh(project ?? "YOUR-PROJECT")} --display-name='signpost reader'`,
    ...bs.map((b) => gcsObjectViewerCommand(b, ownerSa)),
    ...(prefixes.length > 0
      ? [
          "#    To limit reads to the scoped prefixes instead (needs uniform bucket-level access), add to the binding above:",
          ...prefixes.map((s) =>
            comment(`   --condition=${sh(`expression=resource.name.startsWith("projects/_/buckets/${s.bucket}/objects/${s.prefix}"),title=signpost-prefix`)}`),
          ),
        ]
      : []),
    "# 2. Let signpost sign as it (Service Account Token Creator on that service account):",
    gcsTokenCreatorCommand(ownerSa, signpostSa ?? SIGNPOST_SA_PLACEHOLDER),
    "# 3. Let the labeling frontends read the objects (bucket CORS):",
    gcsCorsCommands(bs, origins),
  ].join("\n");
  return {
    signpostServiceAccount: signpostSa ?? `${SIGNPOST_SA_PLACEHOLDER}: signpost's operator has not configured Google Cloud yet.`,
    setupCommands: setup,
    corsConfiguration: gcsCorsRules(origins),
  };
}
