/**
 * What a bucket owner needs to set up an azure integration, with the integration's values
 * filled in: the admin-consent URL, the exact az commands, the CORS rule. The same command
 * builders make the validation hints, so a failed check names the command that fixes it.
 */
import { shellComment, shellQuote } from "../../lib/shell";
import type { Env } from "../../env";
import { config } from "../../config";
import { compileIntegration, type IntegrationRow } from "../../integrations/model";
import { AZURE_AUTHORITY } from "../../azure/token";
import { DATA_READER_ROLE, DELEGATOR_ROLE } from "../../azure/delegation-key";
import { azureSettings, scopedBuckets } from "../settings";
import { BUCKET_CORS_EXPOSED_HEADERS, BUCKET_CORS_MAX_AGE_SECONDS, BUCKET_CORS_REQUEST_HEADERS, bucketCorsOrigins } from "../../integrations/bucket-cors";

const sh = shellQuote;
const comment = shellComment;

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
  for (const c of containers)
    lines.push(
      `az role assignment create --assignee ${sh(clientId)} --role ${sh(DATA_READER_ROLE)} --scope "$ACCOUNT_ID"${sh(`/blobServices/default/containers/${c}`)}`,
    );
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
    comment(
      `signpost's app (client id ${app}) needs: consent in tenant ${s.tenantId ?? "YOUR-TENANT-ID"}, ${DELEGATOR_ROLE} on the storage account ${account}, ${DATA_READER_ROLE} on the container(s).`,
    ),
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
