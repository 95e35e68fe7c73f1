/**
 * POST …/validate and dry runs: run the provider's checks, and (for stored integrations)
 * record the run, set status/lastCheckedAt, and mark an insecure External ID so the signing
 * path refuses the integration.
 */
import type { Env } from "../env";
import { db } from "../store/db";
import { newRunId } from "../store/ids";
import { updateIntegrationRow } from "../store/integrations";
import { saveValidationRun } from "../store/validation-runs";
import type { Integration } from "../integrations/model";
import { forgetIntegrations } from "../integrations/resolve";
import { validateAws } from "./aws";
import { validateProvider } from "./providers";
import { overallOk, type CheckResult } from "./checks";

export interface ValidationReport {
  ok: boolean;
  checkedAt: string;
  checks: CheckResult[];
}

export async function runChecks(env: Env, integ: Integration, sampleKey?: string): Promise<{ checks: CheckResult[]; externalIdInsecure: boolean }> {
  const p = integ.row.provider;
  if (p === "aws_role" || p === "aws_keys") return validateAws(env, integ, sampleKey);
  return { checks: await validateProvider(env, integ, sampleKey), externalIdInsecure: false };
}

export async function validateAndRecord(env: Env, integ: Integration, sampleKey?: string): Promise<ValidationReport> {
  const { checks, externalIdInsecure } = await runChecks(env, integ, sampleKey);
  const ok = overallOk(checks);
  const at = Date.now();
  const d = db(env.DB);
  await saveValidationRun(d, newRunId(), integ.id, ok, checks, at);
  await updateIntegrationRow(d, integ.id, { status: ok ? "valid" : "invalid", lastCheckedAt: at, externalIdInsecure });
  forgetIntegrations();
  return { ok, checkedAt: new Date(at).toISOString(), checks };
}
