/**
 * AWS partitions, regions and role ARNs (SPEC "Partitions"): which DNS suffix a region's
 * endpoints live under and which partition a role belongs to.
 *
 * Supported partitions are the three signpost can sign for. The isolated partitions
 * (`us-iso-*`, `us-isob-*`, `eu-isoe-*`, `us-isof-*`) and the European Sovereign Cloud
 * (`eusc-*`) live under other DNS suffixes; their regions are refused rather than being
 * mapped to amazonaws.com by mistake.
 */

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export const PARTITIONS: readonly Partition[] = ["aws", "aws-cn", "aws-us-gov"];

export function partitionOfRegion(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function dnsSuffix(p: Partition): string {
  return p === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

// `[a-z]` runs cannot contain `-`, so this pattern matches in linear time.
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
// Any lowercase DNS-label-like name: what S3-compatible services use as a signing region
// (`auto` for R2, `us-east-1` for MinIO, `garage` for Garage, …).
const ENDPOINT_REGION = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const MAX_REGION_LENGTH = 32;

/**
 * An AWS region name (`us-east-1`, `cn-north-1`, `us-gov-west-1`, …). Such a region becomes
 * part of a host name, so nothing looser is accepted.
 *
 * With `customEndpoint` (an R2/MinIO/… endpoint, where the region is only the SigV4
 * signing region and never reaches a host name) any short lowercase label is accepted,
 * `auto` included; R2 documents `auto` and other services pick their own names.
 */
export function isValidRegion(region: string, opts?: { customEndpoint?: boolean }): boolean {
  if (typeof region !== "string" || region.length === 0 || region.length > MAX_REGION_LENGTH) return false;
  if (opts?.customEndpoint) return ENDPOINT_REGION.test(region);
  if (!AWS_REGION.test(region)) return false;
  // Second label "iso…" = an isolated partition (us-iso-east-1, eu-isoe-west-1, …).
  return !region.slice(3).startsWith("iso");
}

export function stsHost(region: string): string {
  return `sts.${region}.${dnsSuffix(partitionOfRegion(region))}`;
}

export function defaultStsRegion(p: Partition): string {
  return p === "aws-cn" ? "cn-north-1" : p === "aws-us-gov" ? "us-gov-west-1" : "us-east-1";
}

export interface RoleArn {
  partition: Partition;
  accountId: string;
  roleName: string;
  /** IAM path with both slashes, `/` when the role has none (e.g. `/service-role/`). */
  path: string;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const MAX_ARN_LENGTH = 2048;
const MAX_PATH_LENGTH = 512;

/**
 * `arn:{aws|aws-cn|aws-us-gov}:iam::{12 digits}:role/{path/}{name}`, or null. Role names
 * are `[\w+=,.@-]{1,64}`; a path is `/`-delimited printable ASCII of at most 512 characters,
 * as IAM defines them.
 */
export function parseRoleArn(arn: string): RoleArn | null {
  if (typeof arn !== "string" || arn.length > MAX_ARN_LENGTH) return null;
  const parts = arn.split(":");
  // Role names and paths cannot hold ":", so exactly six parts.
  if (parts.length !== 6) return null;
  const [prefix, partition, service, region, accountId, resource] = parts as [string, string, string, string, string, string];
  if (prefix !== "arn" || service !== "iam" || region !== "") return null;
  if (!(PARTITIONS as readonly string[]).includes(partition)) return null;
  if (accountId.length !== 12) return null;
  for (let i = 0; i < 12; i++) {
    const c = accountId.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  if (!resource.startsWith("role/")) return null;
  const rest = resource.slice(5);
  const slash = rest.lastIndexOf("/");
  const roleName = rest.slice(slash + 1);
  if (!ROLE_NAME.test(roleName)) return null;
  const path = "/" + rest.slice(0, slash + 1);
  // IAM: `/` alone, or `/` + at least one character + `/`.
  if (path.length > MAX_PATH_LENGTH || path === "//") return null;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return null;
  }
  return { partition: partition as Partition, accountId, roleName, path };
}
