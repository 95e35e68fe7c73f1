/**
 * The three JSON documents a bucket owner pastes into AWS: the role's trust policy, its
 * permissions policy, and the bucket's CORS configuration (in the API/CLI and the console shapes);
 * for keyless (oidc) roles also the command that registers signpost's issuer as an IAM OpenID
 * Connect provider.
 */
import { bucketArn, scopeObjectArn } from "../../aws/session-policy";
import { parseRoleArn, partitionOfRegion, type Partition } from "../../aws/partition";
import { shellQuote } from "../../lib/shell";
import { parseScope, type IntegrationRow } from "../../integrations/model";
import { BUCKET_CORS_EXPOSED_HEADERS, BUCKET_CORS_MAX_AGE_SECONDS, BUCKET_CORS_REQUEST_HEADERS, bucketCorsOrigins } from "../../integrations/bucket-cors";

/** The audience of signpost's tokens for AWS STS (the IAM provider's client id). */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** What the documents need to know of signpost's issuer: its URL and IAM's name for it. */
export interface IssuerRef {
  issuer: string;
  issuerHost: string;
}

function strings(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function partitionOf(row: IntegrationRow): Partition {
  return parseRoleArn(row.roleArn ?? "")?.partition ?? partitionOfRegion(row.region);
}

const OWNER_ACCOUNT_PLACEHOLDER = "YOUR-ACCOUNT-ID";
const ISSUER_PLACEHOLDER = "SIGNPOST-ISSUER-HOST (OIDC_ISSUER is not set)";

/** The IAM OIDC provider of signpost's issuer in the role owner's account. */
export function oidcProviderArn(row: IntegrationRow, issuer: IssuerRef | null): string {
  const arn = parseRoleArn(row.roleArn ?? "");
  return `arn:${partitionOf(row)}:iam::${arn?.accountId ?? OWNER_ACCOUNT_PLACEHOLDER}:oidc-provider/${issuer?.issuerHost ?? ISSUER_PLACEHOLDER}`;
}

/** The trust conditions of a keyless role: this integration's `sub`, audience STS. */
export function webIdentityConditions(row: IntegrationRow, issuer: IssuerRef | null): Record<string, string> {
  const host = issuer?.issuerHost ?? ISSUER_PLACEHOLDER;
  return { [`${host}:aud`]: STS_AUDIENCE, [`${host}:sub`]: `integration:${row.id}` };
}

export function webIdentityTrustPolicy(row: IntegrationRow, issuer: IssuerRef | null) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SignpostWebIdentity",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(row, issuer) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: webIdentityConditions(row, issuer) },
      },
    ],
  };
}

/** Registers signpost's issuer in the owner's account (once per account, shared by all its roles). */
export function oidcProviderCommand(issuer: IssuerRef | null): string {
  return `aws iam create-open-id-connect-provider --url ${shellQuote(issuer?.issuer ?? "https://SIGNPOST-ISSUER")} --client-id-list ${STS_AUDIENCE}`;
}

export function trustPolicy(row: IntegrationRow, principalArn: string | null) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SignpostAssumeRole",
        Effect: "Allow",
        Principal: { AWS: principalArn ?? "SIGNPOST-PRINCIPAL-ARN (STS was unreachable; see GET /admin/api/principal)" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": row.externalId } },
      },
    ],
  };
}

/**
 * The role's permissions. Without scopes an integration may sign anything the role allows, so
 * the policy grants reads on every bucket of the account (`arn:aws:s3:::*`), and its Sids say
 * so: a policy that works as pasted, to narrow in IAM (or add scopes), never a placeholder that
 * fails validation.
 */
export function permissionsPolicy(row: IntegrationRow) {
  const p = partitionOf(row);
  const reads = strings(row.scopes).map(parseScope);
  const writes = strings(row.writeScopes).map(parseScope);
  const everyBucket = reads.length === 0;
  const buckets = [...new Set([...reads, ...writes].map((s) => s.bucket))];
  const statements: unknown[] = [
    everyBucket
      ? { Sid: "ReadObjectsInEveryBucketNoScopesSet", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${p}:s3:::*/*` }
      : { Sid: "ReadObjects", Effect: "Allow", Action: "s3:GetObject", Resource: reads.map((s) => scopeObjectArn(p, s)) },
    {
      Sid: everyBucket ? "InspectEveryBucketNoScopesSet" : "InspectBuckets",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"],
      Resource: everyBucket ? `arn:${p}:s3:::*` : buckets.map((b) => bucketArn(p, b)),
    },
  ];
  if (writes.length > 0) {
    statements.push({ Sid: "WriteExports", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: writes.map((s) => scopeObjectArn(p, s)) });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** The bucket's CORS rules in the API/CLI shape (`aws s3api put-bucket-cors --cors-configuration`). */
export function corsConfiguration(row: IntegrationRow, corsOrigins: string[]) {
  const writes = strings(row.writeScopes).length > 0;
  return {
    CORSRules: [
      {
        AllowedOrigins: bucketCorsOrigins(corsOrigins),
        AllowedMethods: writes ? ["GET", "HEAD", "PUT"] : ["GET", "HEAD"],
        AllowedHeaders: writes ? [...BUCKET_CORS_REQUEST_HEADERS, "Content-Type"] : BUCKET_CORS_REQUEST_HEADERS,
        ExposeHeaders: BUCKET_CORS_EXPOSED_HEADERS,
        MaxAgeSeconds: BUCKET_CORS_MAX_AGE_SECONDS,
      },
    ],
  };
}

/** The same rules as the S3 console's CORS editor wants them: the bare array. */
export function corsConfigurationConsole(row: IntegrationRow, corsOrigins: string[]) {
  return corsConfiguration(row, corsOrigins).CORSRules;
}
