/**
 * Validation for providers other than AWS: gcs (worker/providers/gcs-checks.ts) and azure
 * (worker/providers/azure-checks.ts). Same result shape as the AWS run; every failure carries
 * a hint naming the missing role and the command that grants it.
 */
import type { Env } from "../env";
import type { Integration } from "../integrations/model";
import { validateAzure } from "../providers/azure-checks";
import { validateGcs } from "../providers/gcs-checks";
import { skip, type CheckResult } from "./checks";

export async function validateProvider(env: Env, integ: Integration, sampleKey?: string): Promise<CheckResult[]> {
  if (integ.row.provider === "gcs") return validateGcs(env, integ, sampleKey);
  if (integ.row.provider === "azure") return validateAzure(env, integ, sampleKey);
  return [skip("provider", `Validation for provider ${integ.row.provider} is not available in this build.`)];
}
