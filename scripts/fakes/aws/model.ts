/**
 * The fake AWS's data model: what tests and seeds describe (principals, roles, buckets, CORS
 * rules, faults) and what the services keep (issued credentials, the call log).
 */
import type { IamPolicy } from "./iam";
import type { IssuerFetch } from "../oidc-verifier";

export type { IamPolicy } from "./iam";

/** An IAM user with long-term keys (signpost's own principal, or a static-key integration). */
export interface PrincipalInit {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Identity policy. Without one the user may call STS but may do nothing in S3. */
  policy?: IamPolicy | string;
}

export interface RoleInit {
  arn: string;
  /** Trust policy principals: user/role ARNs, `arn:aws:iam::{account}:root` or a bare account id. */
  trustedPrincipals: string[];
  /** When set, AssumeRole must pass exactly this ExternalId. When unset, any or none is accepted. */
  externalId?: string;
  /** Seconds, 3600..43200, default 3600. */
  maxSessionDuration?: number;
  policy: IamPolicy | string;
  /**
   * A trust statement for AssumeRoleWithWebIdentity: `Principal: {Federated: provider}` with
   * StringEquals `conditions` on the token (`{issuer host}:aud`, `{issuer host}:sub`).
   */
  webIdentity?: { provider: string; conditions: Record<string, string> };
}

/** An IAM OpenID Connect provider (`aws iam create-open-id-connect-provider`). */
export interface OidcProviderInit {
  account: string;
  /** The issuer URL (`https://host[:port]`). */
  url: string;
  /** Accepted audiences (`--client-id-list`). */
  clientIds: string[];
  /** How STS reaches the issuer's discovery document and JWKS. */
  fetch: IssuerFetch;
}

/** One AssumeRoleWithWebIdentity call as STS saw it. */
export interface WebIdentityCall {
  token: string;
  /** True when the request carried a SigV4 Authorization header (signpost never signs it). */
  signed: boolean;
  roleArn: string;
  /** "ok", or the error code answered. */
  outcome: string;
  /** Why the token was refused, when it was. */
  refusal?: string;
}

/** S3 CORS rule in the AWS JSON shape (as in `aws s3api put-bucket-cors`). */
export interface CorsRule {
  ID?: string;
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export type ObjectBody = string | Uint8Array;
/** `kmsKeyArn`: the object is SSE-KMS encrypted; reading it also needs kms:Decrypt on that key (via S3). */
export type ObjectInit = ObjectBody | { body: ObjectBody; contentType?: string; kmsKeyArn?: string };

export interface BucketInit {
  name: string;
  region: string;
  cors?: CorsRule[];
  objects?: Record<string, ObjectInit>;
}

export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  /** Quoted, as S3 sends it. */
  etag: string;
  /** Epoch ms. */
  lastModified: number;
  kmsKeyArn?: string;
}

export type Service = "sts" | "s3";
export type FaultKind = "throttle" | "500" | "503" | "network" | "hang" | { delayMs: number };

export interface CallRecord {
  service: Service;
  /** `AssumeRole`, `GetCallerIdentity`, `GetObject`, `HeadObject`, `PutObject`, `DeleteObject`, `HeadBucket`, `ListObjectsV2`, `GetBucketCors`, `GetBucketLocation`, `PreflightRequest`, or `Unsupported:…`. */
  action: string;
  /** HTTP status answered; 0 while pending or when no response was produced (network fault, hang). */
  status: number;
  accessKeyId?: string;
  host: string;
  path: string;
  fault?: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  roleSessionName: string;
  assumedRoleArn: string;
  /** ARN of the principal that called AssumeRole. */
  callerArn: string;
  externalId?: string;
  sessionPolicy?: IamPolicy;
  durationSeconds: number;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms (whole seconds, as in the STS response). */
  expiration: number;
}

/** JSON-able start state (used by the Node server and its control API). */
export interface SeedBucket {
  name: string;
  region: string;
  cors?: CorsRule[];
  /** A string is UTF-8 content; `{ base64 }` carries binary content. */
  objects?: Record<string, string | { body?: string; base64?: string; contentType?: string }>;
}

export interface FakeSeed {
  principals?: PrincipalInit[];
  roles?: RoleInit[];
  buckets?: SeedBucket[];
}

export interface HandleOptions {
  /**
   * Treat the request as addressed to an S3-compatible custom endpoint (path-style S3; a form
   * POST to `/` with an `Action` is STS), whatever its host. The Node server sets this.
   */
  customEndpoint?: boolean;
}

// Internal model: what the STS and S3 modules read and change.

export interface Principal {
  arn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  policy?: IamPolicy;
}

export interface Role {
  arn: string;
  roleId: string;
  trustedPrincipals: string[];
  webIdentity?: { provider: string; conditions: Record<string, string> };
  externalId?: string;
  maxSessionDuration: number;
  policy: IamPolicy;
}

export interface Bucket {
  name: string;
  region: string;
  cors?: CorsRule[];
  objects: Map<string, StoredObject>;
}

/** Who signed a request, and what they may do. */
export interface Caller {
  arn: string;
  userId: string;
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** ARNs a trust policy may name to trust this caller. */
  trustArns: string[];
  identity: IamPolicy[];
  session?: IamPolicy;
  issued?: IssuedCredentials;
}

/** STS response format variations seen in the wild. */
export interface Quirks {
  fractionalExpiration?: boolean;
  wrappedSessionToken?: boolean;
}

/** The state the services work on; `FakeAws` is the one implementation. */
export interface AwsState {
  /** The fake's clock (epoch ms). */
  now: () => number;
  quirks: Quirks;
  principals: Map<string, Principal>;
  roles: Map<string, Role>;
  oidcProviders: Map<string, OidcProviderInit>;
  /** Temporary credentials issued by STS, by access key id. */
  issued: Map<string, IssuedCredentials>;
  webIdentityCalls: WebIdentityCall[];
  buckets: Map<string, Bucket>;
}

export function partitionOf(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

export function accountOf(arn: string): string {
  return arn.split(":")[4] ?? "";
}
