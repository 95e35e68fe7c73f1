/**
 * setup/gcloud.sh and setup/az.sh: the commands the admin page shows for gcs and azure
 * integrations (worker/providers/gcs/documents.ts and azure/documents.ts build them), made re-runnable, followed by
 * registering the owner's fields through the invite and signpost's validation.
 */
import { shellQuote as sh } from "../lib/shell";
import type { Env } from "../env";
import type { IntegrationRow } from "../integrations/model";
import { gcsDocuments } from "../providers/gcs/documents";
import { azureDocuments } from "../providers/azure/documents";
import { registerStep, scriptHeader, SHELL_HELPERS, VALIDATE_STEP } from "./shell-parts";
import { config } from "../config";
import { keylessGcsSetupCommands } from "../providers/gcs/keyless";

/** Runs a command; failing because the thing already exists is fine (the script is re-run). */
const ALREADY_OK = String.raw`already_ok() {
  local out
  if out="$("$@" 2>&1)"; then printf '%s\n' "$out"; return 0; fi
  case "$out" in
    *"already exists"* | *"AlreadyExists"* | *"ALREADY_EXISTS"* | *"Conflict"*) echo "    (already there)"; return 0 ;;
  esac
  printf '%s\n' "$out" >&2
  return 1
}`;

/** Commands that create something once; re-runs must not stop at them. */
const CREATE_ONCE = [
  /^gcloud iam service-accounts create /,
  /^gcloud iam workload-identity-pools create /,
  /^gcloud iam workload-identity-pools providers create-oidc /,
  /^az ad sp create /,
];

function reRunnable(commands: string): string {
  return commands
    .split("\n")
    .map((line) => (CREATE_ONCE.some((re) => re.test(line)) ? `already_ok ${line}` : line))
    .join("\n");
}

export interface OwnerFields {
  serviceAccountEmail?: string | null;
  workloadIdentityProvider?: string | null;
  tenantId?: string | null;
  accountName?: string | null;
}

/** The row as the script sees it: stored settings, with the fields the owner just typed on top. */
function withFields(row: IntegrationRow, fields: OwnerFields): IntegrationRow {
  const settings = { ...(JSON.parse(row.settings) as Record<string, unknown>) };
  for (const [k, v] of Object.entries(fields)) if (v) settings[k] = k === "tenantId" ? v.toLowerCase() : v;
  return { ...row, settings: JSON.stringify(settings) };
}

/** A script that only explains what is missing: no command runs with a placeholder in it. */
function missingScript(header: string, names: string[]): string {
  const message = `signpost setup: this script needs ${names.join(" and ")}. Enter ${names.length > 1 ? "them" : "it"} on the invite page (the command there then includes them) and copy the command again.`;
  return `${header}\n\necho ${sh(message)} >&2\nexit 1\n`;
}

/** What every gcloud.sh starts with: the invite URL, the helpers, the tools it needs. */
function gcloudPreamble(header: string, connectUrl: string): string {
  return `${header}

CONNECT_URL=${sh(connectUrl)}

${SHELL_HELPERS}

${ALREADY_OK}

command -v gcloud >/dev/null 2>&1 || fail "gcloud is missing (Cloud Shell has it)."
command -v curl >/dev/null 2>&1 || fail "curl is missing."`;
}

/**
 * gcloud.sh. Keyless (`keyless`, asked for with `?identity=oidc`, or a workload identity provider
 * already registered; only where signpost's issuer is configured): Workload Identity Federation
 * instead of Token Creator for signpost's own service account, then the provider is registered.
 */
export function gcloudScript(env: Env, row: IntegrationRow, connectUrl: string, fields: OwnerFields, opts: { keyless?: boolean } = {}): string {
  const r = withFields(row, fields);
  const settings = JSON.parse(r.settings) as OwnerFields;
  const email = settings.serviceAccountEmail ?? null;
  const keyless = !!config(env).oidc && (!!opts.keyless || !!settings.workloadIdentityProvider);
  const query = new URLSearchParams({ ...(email ? { serviceAccountEmail: email } : {}), ...(keyless ? { identity: "oidc" } : {}) }).toString();
  const header = scriptHeader({
    title: `connect "${row.name}" to Google Cloud Storage${keyless ? " (keyless)" : ""}`,
    integrationId: row.id,
    scriptUrl: `${connectUrl}/setup/gcloud.sh${query ? "?" + query : ""}`,
    where: "Google Cloud Shell (or any shell with gcloud and curl), as a project owner",
    notes: ["It is safe to run again."],
  });
  if (!email) return missingScript(header, ["the service account email"]);
  if (keyless) {
    const { commands, providerName } = keylessGcsSetupCommands(env, r);
    // The body is JSON with the project number filled in by the shell (double quotes).
    const body = `"{\\"serviceAccountEmail\\":\\"${email}\\",\\"workloadIdentityProvider\\":\\"${providerName}\\"}"`;
    return `${gcloudPreamble(header, connectUrl)}

step "1/2 Service account, bucket access, Workload Identity Federation, signing permission, CORS"
${reRunnable(commands)}

${registerStep("2/2 Registering the service account and the workload identity provider with signpost", body)}

${VALIDATE_STEP}
`;
  }
  const docs = gcsDocuments(env, r);
  return `${gcloudPreamble(header, connectUrl)}

step "1/2 Service account, bucket access, signing permission, CORS"
${reRunnable(docs.setupCommands)}

${registerStep("2/2 Registering the service account with signpost", sh(JSON.stringify({ serviceAccountEmail: email })))}

${VALIDATE_STEP}
`;
}

export function azScript(env: Env, row: IntegrationRow, connectUrl: string, fields: OwnerFields): string {
  const r = withFields(row, fields);
  const s = JSON.parse(r.settings) as OwnerFields;
  const tenantId = s.tenantId ?? null;
  const accountName = s.accountName ?? null;
  const docs = azureDocuments(env, r);
  const query = new URLSearchParams({ ...(tenantId ? { tenantId } : {}), ...(accountName ? { accountName } : {}) }).toString();
  const header = scriptHeader({
    title: `connect "${row.name}" to Azure Blob Storage`,
    integrationId: row.id,
    scriptUrl: `${connectUrl}/setup/az.sh${query ? "?" + query : ""}`,
    where: "Azure Cloud Shell (Bash, or any shell with az and curl), as an owner of the storage account",
    notes: ["It is safe to run again (az storage cors add adds one more rule each run: see `az storage cors list`)."],
  });
  const lacking = [...(tenantId ? [] : ["the tenant id"]), ...(accountName ? [] : ["the storage account name"])];
  // Cloud Shell is already signed in: log in only when the active tenant is another one.
  const commands = reRunnable(docs.setupCommands)
    .split("\n")
    .map((line) =>
      line.startsWith("az login ") ? `[ "$(az account show --query tenantId --output tsv 2>/dev/null || true)" = "$TENANT_ID" ] || ${line}` : line,
    )
    .join("\n");
  if (lacking.length) return missingScript(header, lacking);
  return `${header}

CONNECT_URL=${sh(connectUrl)}
TENANT_ID=${sh(tenantId ?? "")}

${SHELL_HELPERS}

${ALREADY_OK}

command -v az >/dev/null 2>&1 || fail "az is missing (Azure Cloud Shell has it)."
command -v curl >/dev/null 2>&1 || fail "curl is missing."

step "1/2 Consent, role assignments, CORS"
${commands}

${registerStep("2/2 Registering the storage account with signpost", sh(JSON.stringify({ tenantId, accountName })))}

${VALIDATE_STEP}
`;
}
