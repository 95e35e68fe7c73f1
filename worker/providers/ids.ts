/**
 * The storage providers an integration can have, spelled once: the D1 column's enum
 * (worker/store/schema.ts), the request schemas (worker/schemas/) and the registry
 * (worker/providers/index.ts) all take them from here.
 */
export const PROVIDER_IDS = ["aws_role", "aws_keys", "gcs", "azure"] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];
