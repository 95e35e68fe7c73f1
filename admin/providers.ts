/**
 * What the admin page asks for, per provider, and what it shows after "Create".
 *
 * The page is generic over this table: the server renders each provider's fields, the client
 * builds the create body from them and shows the listed documents and setup steps. Adding a
 * provider (gcs, azure) is one more entry here, provided the admin API accepts its fields.
 */

/** How a field is edited and how its value goes into the JSON body. */
export type FieldKind =
  | "text" // a string; omitted when empty and not required
  | "secret" // a write-only string (password input)
  | "lines" // a list: one entry per line (commas also split)
  | "preset"; // an endpoint preset picker; not sent, it fills "endpoint" and "region"

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
const PERMISSIONS_POLICY: ProviderDocument = {
  key: "permissionsPolicy",
  title: "Permissions policy",
  help: "Attach as an inline policy. Read-only access to the scoped buckets.",
};
const CORS_CONFIGURATION: ProviderDocument = {
  key: "corsConfiguration",
  title: "Bucket CORS configuration",
  help: "S3 → bucket → Permissions → Cross-origin resource sharing (CORS). Lets labeling frontends read the objects.",
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
    documents: [TRUST_POLICY, PERMISSIONS_POLICY, CORS_CONFIGURATION],
  },
  {
    id: "aws_keys",
    label: "Access keys (AWS or S3-compatible)",
    summary: "A long-term access key pair, for AWS users or S3-compatible services (R2, MinIO, Wasabi, B2, GCS interoperability).",
    fields: [
      { key: "preset", label: "Service", kind: "preset" },
      { key: "endpoint", label: "Endpoint URL", kind: "text", inputMode: "url", placeholder: "https://…", help: "Empty for Amazon S3." },
      { key: "accessKeyId", label: "Access key ID", kind: "text", required: true, autocomplete: "off" },
      { key: "secretAccessKey", label: "Secret access key", kind: "secret", required: true, autocomplete: "new-password", help: "Stored encrypted; never shown again." },
      {
        key: "roleArn",
        label: "Role ARN (optional)",
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
    documents: [PERMISSIONS_POLICY, CORS_CONFIGURATION],
    endpointPresets: ENDPOINT_PRESETS,
  },
];
