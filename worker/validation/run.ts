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

/**
 * The insecure-External-ID block is set by a run that finds the role assumable without it,
 * and cleared only by a passing run that proved the External ID is enforced (or has no role
 * to assume). A failed or inconclusive run keeps what was known: otherwise pointing the
 * integration at a broken role, validating, and pointing it back would lift the block.
 */
function stillInsecure(before: boolean, found: boolean, ok: boolean, checks: CheckResult[]): boolean {
  if (found) return true;
  const proven = ok && checks.every((c) => c.name !== "external_id_enforced" || c.status === "pass" || c.status === "skip");
  return proven ? false : before;
}

export async function validateAndRecord(env: Env, integ: Integration, sampleKey?: string): Promise<ValidationReport> {
  const { checks, externalIdInsecure } = await runChecks(env, integ, sampleKey);
  const ok = overallOk(checks);
  const at = Date.now();
  const d = db(env.DB);
  await saveValidationRun(d, newRunId(), integ.id, ok, checks, at);
  await updateIntegrationRow(d, integ.id, { status: ok ? "valid" : "invalid", lastCheckedAt: at, externalIdInsecure: stillInsecure(integ.row.externalIdInsecure, externalIdInsecure, ok, checks) });
  forgetIntegrations();
  return { ok, checkedAt: new Date(at).toISOString(), checks };
}
