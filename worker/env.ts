/** Bindings, secrets and variables, exactly as named in SPEC.md ("Runtime pieces"). */
export interface Env {
  DB: D1Database;
  CREDENTIALS: KVNamespace;
  RATE_LIMITER?: RateLimit;

  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  ADMIN_TOKEN?: string;
  ENCRYPTION_KEY?: string;
  LINK_SIGNING_KEY?: string;

  STS_REGION?: string;
  AWS_ENDPOINT_URL_STS?: string;
  AWS_ENDPOINT_URL_S3?: string;
  ALLOWED_IPS?: string;
  DEFAULT_URL_TTL?: string;
  CORS_ORIGINS?: string;
  ALLOW_HTTP_LOOPBACK_ENDPOINTS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
}
