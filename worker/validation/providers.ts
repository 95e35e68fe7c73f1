/** Validation for providers other than AWS (gcs, azure). */
import type { Env } from "../env";
import type { Integration } from "../integrations/model";
import { skip, type CheckResult } from "./checks";

export async function validateProvider(_env: Env, integ: Integration, _sampleKey?: string): Promise<CheckResult[]> {
  return [skip("provider", `Validation for provider ${integ.row.provider} is not available in this build.`)];
}
