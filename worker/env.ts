/** Bindings, secrets and variables, exactly as named in SPEC.md ("Runtime pieces"). */
export interface Env {
  DB: D1Database;
  CREDENTIALS: KVNamespace;
  /** Workers rate limiting: /v1/* per client IP, and admin logins per client IP. */
  RATE_LIMITER?: RateLimit;
  LOGIN_RATE_LIMITER?: RateLimit;
  /** Failed (4xx) requests per client IP: enumeration, signature and token guessing. */
  FAILURE_RATE_LIMITER?: RateLimit;
  /** The owner's invite pages and API (/connect/*) per client IP. */
  INVITE_RATE_LIMITER?: RateLimit;

  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  ADMIN_TOKEN?: string;
  ENCRYPTION_KEY?: string;
  LINK_SIGNING_KEY?: string;
  /** gcs: signpost's Google service account key (the JSON key file, or its base64). */
  GCP_SERVICE_ACCOUNT_KEY?: string;
  /** azure: signpost's multi-tenant app registration (client id and a client secret). */
  AZURE_CLIENT_ID?: string;
  AZURE_CLIENT_SECRET?: string;
  /** signpost as an OIDC issuer: the JSON text of a private JWK (kid, alg RS256 or ES256). */
  OIDC_SIGNING_KEY?: string;
  /** The key before the last rotation (private or public JWK): published, never used to sign. */
  OIDC_SIGNING_KEY_PREVIOUS?: string;

  STS_REGION?: string;
  AWS_ENDPOINT_URL_STS?: string;
  AWS_ENDPOINT_URL_S3?: string;
  /** Google and Azure endpoint overrides (emulators, local runs, black-box tests). */
  GCP_ENDPOINT_URL_OAUTH?: string;
  GCP_ENDPOINT_URL_STS?: string;
  GCP_ENDPOINT_URL_IAMCREDENTIALS?: string;
  GCP_ENDPOINT_URL_STORAGE?: string;
  AZURE_ENDPOINT_URL_LOGIN?: string;
  /** `{account}` is replaced by the storage account name, e.g. http://127.0.0.1:10000/{account}. */
  AZURE_ENDPOINT_URL_BLOB?: string;
  ALLOWED_IPS?: string;
  DEFAULT_URL_TTL?: string;
  CORS_ORIGINS?: string;
  ALLOW_HTTP_LOOPBACK_ENDPOINTS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /** The owner's page shows a CloudFormation quick-create link to this template (https URL of /setup/cloudformation.json uploaded to S3). */
  CLOUDFORMATION_TEMPLATE_URL?: string;
  /** The issuer's https origin, e.g. https://signpost.example.com (tokens' `iss`). */
  OIDC_ISSUER?: string;
  /** Timeout per outbound attempt (ms, default 5000) and attempts per call (default 3). */
  OUTBOUND_TIMEOUT_MS?: string;
  OUTBOUND_ATTEMPTS?: string;
  /** Limits of the in-isolate fallback used when the rate-limit bindings are absent. */
  RATE_LIMIT_PER_MINUTE?: string;
  LOGIN_RATE_LIMIT_PER_MINUTE?: string;
  FAILURE_RATE_LIMIT_PER_MINUTE?: string;
  INVITE_RATE_LIMIT_PER_MINUTE?: string;
  /** Operations: where status changes are POSTed (https; http on loopback with ALLOW_HTTP_LOOPBACK_ENDPOINTS). */
  ALERT_WEBHOOK_URL?: string;
  /** Integrations re-validated per Cron Trigger run (default 25). */
  REVALIDATE_BATCH?: string;
  /** 0..1, default 0.001: share of successful redirects logged; every other request always is. */
  REQUEST_LOG_SAMPLE_RATE?: string;
}

/** What domain code needs of the request's execution context: work after the response. */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}
