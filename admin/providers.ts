/**
 * What the admin page asks for, per provider, and what it shows after "Create".
 *
 * The page is generic over this table: the server renders each provider's fields, the client
 * builds the create body from them and shows the listed documents and setup steps. Adding a
 * provider is one more entry here, provided the admin API accepts its fields.
 */

/** How a field is edited and how its value goes into the JSON body. */
export type FieldKind =
  | "text" // a string; omitted when empty and not required
  | "secret" // a write-only string (password input)
  | "lines" // a list: one entry per line (commas also split)
  | "preset" // an endpoint preset picker; not sent, it fills "endpoint" and "region"
  | "choice"; // one of `options` (a select; the first is the default)

export interface ProviderField {
  /** The admin API field name. */
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  placeholder?: string;
  help?: string;
  /** Prefilled value. */
  value?: string;
  autocomplete?: string;
  inputMode?: "text" | "url";
  /** For "choice": the values offered, the first selected. */
  options?: { value: string; label: string }[];
}

export interface EndpointPreset {
  id: string;
  label: string;
  /** `{region}` is replaced with the region field; other `{…}` placeholders the user fills in. */
  endpoint: string;
  region: string;
  help: string;
}

export interface ProviderDocument {
  /** Top-level field of the create/get response. */
  key: string;
  title: string;
  help: string;
  /** Shown only when the integration's `key` field has this value (e.g. identity "oidc"). */
  when?: { key: string; value: string };
}

export interface ProviderSpec {
  id: string;
  label: string;
  summary: string;
  fields: ProviderField[];
  /** Offers "Test connection" (a dry-run create) before anything is stored. */
  testConnection: boolean;
  /** After "Create", ask for the role ARN (the owner needs the External ID first). */
  roleArnAfterCreate: boolean;
  setupSteps: string[];
  documents: ProviderDocument[];
  endpointPresets?: EndpointPreset[];
}

const REGION: ProviderField = {
  key: "region",
  label: "Region",
  kind: "text",
  required: true,
  value: "us-east-1",
  placeholder: "us-east-1",
  help: "The buckets' region (auto for R2 and Google Cloud Storage).",
};

const SCOPES: ProviderField = {
  key: "scopes",
  label: "Scopes",
  kind: "lines",
  placeholder: "my-bucket\nother-bucket/images/",
  help: 'One per line: "bucket" or "bucket/prefix/". Empty allows anything the credentials allow.',
};

const TRUST_POLICY: ProviderDocument = {
  key: "trustPolicy",
  title: "Trust policy",
  help: "IAM → Roles → Create role → Custom trust policy. It lets signpost assume the role, only with this External ID.",
};
const WEB_IDENTITY_TRUST_POLICY: ProviderDocument = {
  key: "trustPolicy",
  title: "Trust policy (keyless)",
  help: "IAM → Roles → Create role → Custom trust policy. It lets tokens from signpost's issuer, for this integration only, assume the role.",
  when: { key: "identity", value: "oidc" },
};
const OIDC_PROVIDER_COMMAND: ProviderDocument = {
  key: "oidcProviderCommand",
  title: "OIDC identity provider (first, once per AWS account)",
  help: "Registers signpost's issuer in the owner's account (IAM → Identity providers). Skip if the account already has it.",
  when: { key: "identity", value: "oidc" },
};
const IDENTITY: ProviderField = {
  key: "identity",
  label: "How signpost assumes the role",
  kind: "choice",
  options: [
    { value: "oidc", label: "Keyless (OIDC, recommended)" },
    { value: "principal", label: "signpost's AWS keys" },
  ],
  help: "Keyless: the role trusts signpost's own OpenID Connect issuer, no AWS keys are involved. Otherwise it trusts the AWS principal behind signpost's keys, with an External ID.",
};

const WORKLOAD_IDENTITY_PROVIDER: ProviderField = {
  key: "workloadIdentityProvider",
  label: "Workload identity provider (keyless, recommended)",
  kind: "text",
  autocomplete: "off",
  placeholder: "projects/123456789012/locations/global/workloadIdentityPools/signpost/providers/signpost",
  help: "Keyless: Google trusts signpost's own short-lived tokens, no GCP_SERVICE_ACCOUNT_KEY. The owner's invite page sets it up and registers it; leave empty to use signpost's service account.",
};
const WORKLOAD_IDENTITY_COMMANDS: ProviderDocument = {
  key: "workloadIdentityCommands",
  title: "Keyless set-up (Workload Identity Federation)",
  help: "Run once by the owner, as a project owner: the pool, the provider trusting signpost's issuer, and Token Creator for this integration's federated identity.",
};
const FEDERATED_CREDENTIAL_COMMAND: ProviderDocument = {
  key: "federatedCredentialCommand",
  title: "Federated identity credential (operator, once)",
  help: "Lets signpost's app authenticate with its own token instead of AZURE_CLIENT_SECRET. One credential serves every integration.",
};

const PERMISSIONS_POLICY: ProviderDocument = {
  key: "permissionsPolicy",
  title: "Permissions policy",
  help: "Attach as an inline policy. Read-only access to the scoped buckets.",
};
const CORS_CONFIGURATION: ProviderDocument = {
  key: "corsConfiguration",
  title: "Bucket CORS configuration (API / CLI)",
  help: "For aws s3api put-bucket-cors --bucket YOUR-BUCKET --cors-configuration file://cors.json (and SDKs, CloudFormation, Terraform). Lets labeling frontends read the objects, also through signpost's redirect (origin null).",
};
const CORS_CONFIGURATION_CONSOLE: ProviderDocument = {
  key: "corsConfigurationConsole",
  title: "Bucket CORS configuration (S3 console)",
  help: "The same rules as the S3 console's editor wants them (a bare array): S3 → bucket → Permissions → Cross-origin resource sharing (CORS) → Edit.",
};

export const ENDPOINT_PRESETS: EndpointPreset[] = [
  { id: "aws", label: "Amazon S3", endpoint: "", region: "us-east-1", help: "No endpoint: signpost talks to AWS directly." },
  {
    id: "r2",
    label: "Cloudflare R2",
    endpoint: "https://{accountid}.r2.cloudflarestorage.com",
    region: "auto",
    help: "Replace {accountid} with your Cloudflare account ID. Create the key under R2 → Manage API tokens.",
  },
  { id: "minio", label: "MinIO", endpoint: "https://minio.example.com", region: "us-east-1", help: "Your MinIO server's S3 API URL." },
  {
    id: "wasabi",
    label: "Wasabi",
    endpoint: "https://s3.{region}.wasabisys.com",
    region: "us-east-1",
    help: "The endpoint follows the region field.",
  },
  {
    id: "b2",
    label: "Backblaze B2",
    endpoint: "https://s3.{region}.backblazeb2.com",
    region: "us-west-004",
    help: "Use the region of the bucket's endpoint (e.g. us-west-004). The endpoint follows the region field.",
  },
  {
    id: "gcs-interop",
    label: "Google Cloud Storage (interoperability)",
    endpoint: "https://storage.googleapis.com",
    region: "auto",
    help: "Use an HMAC key from Cloud Storage → Settings → Interoperability.",
  },
  { id: "custom", label: "Other S3-compatible service", endpoint: "", region: "us-east-1", help: "Enter the service's S3 endpoint URL." },
];

export const PROVIDERS: ProviderSpec[] = [
  {
    id: "aws_role",
    label: "AWS IAM role",
    summary: "Recommended. The bucket owner creates a role that trusts signpost and requires a generated External ID. No keys change hands.",
    fields: [REGION, SCOPES],
    testConnection: false,
    roleArnAfterCreate: true,
    setupSteps: [
      "In the bucket owner's AWS account, create an IAM role with the trust policy below (it names signpost's principal and the External ID).",
      "Attach the permissions policy below to the role.",
      "Put the CORS configuration below on each bucket.",
      "Paste the role's ARN here and validate.",
    ],
    documents: [
      { ...TRUST_POLICY, when: { key: "identity", value: "principal" } },
      OIDC_PROVIDER_COMMAND,
      WEB_IDENTITY_TRUST_POLICY,
      PERMISSIONS_POLICY,
      CORS_CONFIGURATION,
      CORS_CONFIGURATION_CONSOLE,
    ],
  },
  {
    id: "aws_keys",
    label: "Access keys (AWS or S3-compatible)",
    summary: "A long-term access key pair, for AWS users or S3-compatible services (R2, MinIO, Wasabi, B2, GCS interoperability).",
    fields: [
      { key: "preset", label: "Service", kind: "preset" },
      { key: "endpoint", label: "Endpoint URL", kind: "text", inputMode: "url", placeholder: "https://…", help: "Empty for Amazon S3." },
      { key: "accessKeyId", label: "Access key ID", kind: "text", required: true, autocomplete: "off" },
      {
        key: "secretAccessKey",
        label: "Secret access key",
        kind: "secret",
        required: true,
        autocomplete: "new-password",
        help: "Stored encrypted; never shown again.",
      },
      {
        key: "roleArn",
        label: "Role ARN",
        kind: "text",
        placeholder: "arn:aws:iam::123456789012:role/name",
        help: "AWS only: the keys assume this role, with the External ID shown after creating.",
      },
      REGION,
      SCOPES,
    ],
    testConnection: true,
    roleArnAfterCreate: false,
    setupSteps: [
      "Give the key read access to the scoped buckets (the permissions policy below, on AWS).",
      "Put the CORS configuration below on each bucket.",
      "Validate.",
    ],
    documents: [PERMISSIONS_POLICY, CORS_CONFIGURATION, CORS_CONFIGURATION_CONSOLE],
    endpointPresets: ENDPOINT_PRESETS,
  },
  // gcs and azure: documents come from worker/providers/{gcs,azure}/documents.ts, filled with the integration's values.
  {
    id: "gcs",
    label: "Google Cloud Storage (service account)",
    summary:
      "The bucket owner's service account reads the bucket; signpost's own service account is allowed to sign as it (Service Account Token Creator). No keys change hands.",
    fields: [
      {
        key: "serviceAccountEmail",
        label: "Service account email",
        kind: "text",
        required: true,
        autocomplete: "off",
        placeholder: "signpost-reader@your-project.iam.gserviceaccount.com",
        help: "The bucket owner's service account, with Storage Object Viewer on the buckets. signpost signs URLs as it. Create it first if needed (the commands shown next include that).",
      },
      {
        key: "scopes",
        label: "Buckets",
        kind: "lines",
        placeholder: "my-bucket\nother-bucket/images/",
        help: 'One per line: "bucket" or "bucket/prefix/". Validation and CORS checks use these buckets.',
      },
    ],
    testConnection: false,
    roleArnAfterCreate: false,
    setupSteps: [
      "In the bucket owner's Google Cloud project, create a service account (or reuse one) and grant it Storage Object Viewer (roles/storage.objectViewer) on each bucket.",
      "Grant signpost's service account, shown below, Service Account Token Creator (roles/iam.serviceAccountTokenCreator) on that service account: signpost then signs URLs as it, and can do nothing else.",
      "Put the CORS configuration below on each bucket.",
      "The gcloud commands below do all three with this integration's values (Cloud Shell works). Then validate.",
    ],
    documents: [
      {
        key: "signpostServiceAccount",
        title: "signpost's service account",
        help: "The identity to grant Service Account Token Creator on the owner's service account.",
      },
      { key: "setupCommands", title: "gcloud commands", help: "Run as an owner of the project (Cloud Shell, or any shell with gcloud signed in)." },
      {
        key: "corsConfiguration",
        title: "Bucket CORS configuration",
        help: "What the commands above apply with gcloud storage buckets update --cors-file. Lets labeling frontends read the objects.",
      },
    ],
  },
  {
    id: "azure",
    label: "Azure Blob Storage (user delegation SAS)",
    summary:
      "The bucket owner consents signpost's multi-tenant app in their tenant and grants it Storage Blob Delegator on the storage account and Storage Blob Data Reader on the containers. No keys change hands.",
    fields: [
      {
        key: "tenantId",
        label: "Tenant (directory) ID",
        kind: "text",
        required: true,
        autocomplete: "off",
        placeholder: "00000000-0000-0000-0000-000000000000",
        help: "Microsoft Entra ID → Overview → Tenant ID (or: az account show --query tenantId --output tsv).",
      },
      { key: "accountName", label: "Storage account", kind: "text", required: true, autocomplete: "off", placeholder: "mystorageaccount" },
      {
        key: "scopes",
        label: "Containers",
        kind: "lines",
        placeholder: "images\nvideos/2024/",
        help: 'One per line: "container" or "container/prefix/". signpost signs only blobs inside them.',
      },
    ],
    testConnection: false,
    roleArnAfterCreate: false,
    setupSteps: [
      "A tenant administrator consents signpost's app: open the admin-consent URL below, or run az ad sp create --id with signpost's client ID.",
      "Grant signpost's app Storage Blob Delegator on the storage account and Storage Blob Data Reader on each container.",
      "Add a Blob service CORS rule for the labeling frontends.",
      "The az commands below do all of it with this integration's values. Role assignments can take a few minutes to apply; then validate.",
    ],
    documents: [
      { key: "signpostClientId", title: "signpost's app (client ID)", help: "The application to consent to and to assign the roles to." },
      { key: "adminConsentUrl", title: "Admin-consent URL", help: "Open as a Global Administrator or Privileged Role Administrator of the tenant and accept." },
      { key: "setupCommands", title: "az commands", help: "Run in Cloud Shell, or any shell with az signed in to the owner's subscription." },
      {
        key: "corsConfiguration",
        title: "Blob service CORS rule",
        help: "Portal: storage account → Settings → Resource sharing (CORS) → Blob service. The last command above adds the same rule.",
      },
    ],
  },
];

/**
 * The providers as the page offers them: with signpost's OIDC issuer configured, an AWS role
 * chooses how signpost assumes it, keyless first; a gcs integration may name the owner's
 * workload identity provider (keyless); the keyless documents show where the API returns them.
 */
export function providersFor(opts: { oidc: boolean }): ProviderSpec[] {
  if (!opts.oidc) return PROVIDERS;
  return PROVIDERS.map((p) => {
    if (p.id === "aws_role") return { ...p, fields: [IDENTITY, ...p.fields] };
    if (p.id === "gcs")
      return { ...p, fields: [p.fields[0]!, WORKLOAD_IDENTITY_PROVIDER, ...p.fields.slice(1)], documents: [WORKLOAD_IDENTITY_COMMANDS, ...p.documents] };
    if (p.id === "azure") return { ...p, documents: [FEDERATED_CREDENTIAL_COMMAND, ...p.documents] };
    return p;
  });
}
