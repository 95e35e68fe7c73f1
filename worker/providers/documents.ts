/**
 * What a bucket owner needs to set up a gcs or azure integration, with the integration's
 * values filled in: signpost's identity to grant, the exact gcloud / az commands, the CORS
 * rules, the admin-consent URL. The same command builders make the validation hints, so a
 * failed check names the command that fixes it.
 */
import { shellComment, shellQuote } from "../lib/shell";
import type { Env } from "../env";
import { config } from "../config";
import { compileIntegration, type IntegrationRow } from "../integrations/model";
import { parseServiceAccountKey } from "../gcp/service-account";
import { TOKEN_CREATOR_ROLE } from "../gcp/sign-blob";
import { AZURE_AUTHORITY } from "../azure/token";
import { DATA_READER_ROLE, DELEGATOR_ROLE } from "../azure/delegation-key";
import { azureSettings, gcsSettings, scopedBuckets, serviceAccountProject } from "./settings";
import { BUCKET_CORS_EXPOSED_HEADERS, BUCKET_CORS_MAX_AGE_SECONDS, BUCKET_CORS_REQUEST_HEADERS, bucketCorsOrigins } from "../integrations/bucket-cors";

export const OBJECT_VIEWER_ROLE = "roles/storage.objectViewer";

const sh = shellQuote;
const comment = shellComment;

// ---------------------------------------------------------------------------------------
// Google Cloud Storage

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
          ...prefixes.map((s) => comment(`   --condition=${sh(`expression=resource.name.startsWith("projects/_/buckets/${s.bucket}/objects/${s.prefix}"),title=signpost-prefix`)}`)),
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

// ---------------------------------------------------------------------------------------
// Azure Blob Storage

export const CLIENT_ID_PLACEHOLDER = "SIGNPOST-CLIENT-ID (set AZURE_CLIENT_ID)";

export function adminConsentUrl(tenantId: string | null, clientId: string | null): string {
  return `${AZURE_AUTHORITY}/${encodeURIComponent(tenantId ?? "YOUR-TENANT-ID")}/adminconsent?client_id=${encodeURIComponent(clientId ?? CLIENT_ID_PLACEHOLDER)}`;
}

const accountIdLine = (account: string) => `ACCOUNT_ID=$(az storage account show --name ${sh(account)} --query id --output tsv)`;

export function azureDelegatorCommand(account: string, clientId: string): string {
  return `${accountIdLine(account)}\naz role assignment create --assignee ${sh(clientId)} --role ${sh(DELEGATOR_ROLE)} --scope "$ACCOUNT_ID"`;
}

/** Data Reader on each container, or on the whole account when no container is named. */
export function azureDataReaderCommands(account: string, clientId: string, containers: string[], withAccountId = true): string {
  const lines = withAccountId ? [accountIdLine(account)] : [];
  if (containers.length === 0) lines.push(`az role assignment create --assignee ${sh(clientId)} --role ${sh(DATA_READER_ROLE)} --scope "$ACCOUNT_ID"`);
  for (const c of containers) lines.push(`az role assignment create --assignee ${sh(clientId)} --role ${sh(DATA_READER_ROLE)} --scope "$ACCOUNT_ID"${sh(`/blobServices/default/containers/${c}`)}`);
  return lines.join("\n");
}

export function azureCorsRule(origins: string[]) {
  return {
    allowedOrigins: bucketCorsOrigins(origins).join(","),
    allowedMethods: "GET,HEAD,OPTIONS",
    allowedHeaders: BUCKET_CORS_REQUEST_HEADERS.join(","),
    exposedHeaders: BUCKET_CORS_EXPOSED_HEADERS.join(","),
    maxAgeInSeconds: BUCKET_CORS_MAX_AGE_SECONDS,
  };
}

export function azureCorsCommand(account: string, origins: string[]): string {
  const o = bucketCorsOrigins(origins).map(sh).join(" ");
  const list = (hs: string[]) => hs.map(sh).join(" ");
  return `az storage cors add --account-name ${sh(account)} --services b --methods GET HEAD OPTIONS --origins ${o} --allowed-headers ${list(BUCKET_CORS_REQUEST_HEADERS)} --exposed-headers ${list(BUCKET_CORS_EXPOSED_HEADERS)} --max-age ${BUCKET_CORS_MAX_AGE_SECONDS}`;
}

export function azureConsentCommands(tenantId: string | null, clientId: string): string {
  return `az login --tenant ${sh(tenantId ?? "YOUR-TENANT-ID")}\naz ad sp create --id ${sh(clientId)}`;
}

export function azureDocuments(env: Env, row: IntegrationRow) {
  const integ = compileIntegration(row);
  const s = azureSettings(integ);
  const origins = config(env).corsOrigins;
  const clientId = env.AZURE_CLIENT_ID || null;
  const app = clientId ?? CLIENT_ID_PLACEHOLDER;
  const account = s.accountName ?? "YOUR-ACCOUNT";
  const containers = scopedBuckets(integ);
  const setup = [
    comment(`signpost's app (client id ${app}) needs: consent in tenant ${s.tenantId ?? "YOUR-TENANT-ID"}, ${DELEGATOR_ROLE} on the storage account ${account}, ${DATA_READER_ROLE} on the container(s).`),
    "# 1. Consent: a tenant administrator opens the admin-consent URL, or creates the app's service principal:",
    azureConsentCommands(s.tenantId, app),
    `# 2. ${DELEGATOR_ROLE} on the account (user delegation keys) and ${DATA_READER_ROLE} on ${containers.length > 0 ? "each container" : "the account (no container is scoped)"}:`,
    azureDelegatorCommand(account, app),
    azureDataReaderCommands(account, app, containers, false),
    "#    Role assignments can take a few minutes to apply.",
    "# 3. Let the labeling frontends read the blobs (Blob service CORS):",
    azureCorsCommand(account, origins),
  ].join("\n");
  return {
    signpostClientId: clientId ?? `${CLIENT_ID_PLACEHOLDER}: signpost's operator has not configured Azure yet.`,
    adminConsentUrl: adminConsentUrl(s.tenantId, clientId),
    setupCommands: setup,
    corsConfiguration: azureCorsRule(origins),
  };
}
