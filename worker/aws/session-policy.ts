/**
 * The session policy passed to AssumeRole on the signing path. AWS evaluates it on top of the
 * role's own permissions, so even a leaked URL or a bug in signpost cannot reach outside the
 * integration's scopes: reads only under the read scopes, writes only under the write scopes.
 * KMS use is passed through only when S3 makes it (kms:ViaService), so objects encrypted with
 * SSE-KMS can be read when the role itself may use the key; without this statement no role
 * permission could make them readable.
 */
import type { Partition } from "./partition";

/** A bucket and key prefix an integration may reach (structurally worker/integrations/model.ts's Scope). */
export interface Scope {
  bucket: string;
  prefix: string;
}

/** IAM treats `*`, `?` and `$` in resources as wildcards/variables; `${…}` escapes them. */
export function iamLiteral(s: string): string {
  return s.replace(/[*?$]/g, (c) => "${" + c + "}");
}

export function scopeObjectArn(partition: Partition, s: Scope): string {
  return `arn:${partition}:s3:::${s.bucket}/${iamLiteral(s.prefix)}*`;
}

export function bucketArn(partition: Partition, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/**
 * null only when the integration has neither read nor write scopes: the role's own permissions
 * are the limit. Empty read scopes with write scopes still get a policy: reads stay whatever
 * the role allows (`scopes: []` means anything), writes are limited to the write scopes.
 */
export function sessionPolicy(partition: Partition, read: Scope[], write: Scope[]): string | null {
  if (read.length === 0 && write.length === 0) return null;
  const statements: unknown[] = [];
  if (read.length === 0) {
    statements.push({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [`arn:${partition}:s3:::*`] });
  } else {
    statements.push({ Effect: "Allow", Action: "s3:GetObject", Resource: read.map((s) => scopeObjectArn(partition, s)) });
    const buckets = [...new Set(read.map((s) => s.bucket))];
    for (const bucket of buckets) {
      const prefixes = read.filter((s) => s.bucket === bucket).map((s) => s.prefix);
      statements.push(
        prefixes.includes("")
          ? { Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn(partition, bucket) }
          : {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: bucketArn(partition, bucket),
              Condition: { StringLike: { "s3:prefix": prefixes.map((p) => iamLiteral(p) + "*") } },
            },
      );
    }
  }
  if (write.length > 0) {
    statements.push({ Effect: "Allow", Action: "s3:PutObject", Resource: write.map((s) => scopeObjectArn(partition, s)) });
  }
  statements.push({
    Effect: "Allow",
    Action: write.length > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : "kms:Decrypt",
    Resource: `arn:${partition}:kms:*:*:key/*`,
    Condition: { StringLike: { "kms:ViaService": "s3.*" } },
  });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
