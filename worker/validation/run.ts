/**
 * POST …/validate, scheduled and request-triggered re-validation, and dry runs: run the
 * provider's checks, and (for stored integrations) record the run, set status/lastCheckedAt,
 * and mark an insecure External ID so the signing path refuses the integration. A change of
 * status is written to the audit log and sent to ALERT_WEBHOOK_URL, exactly once.
 */
import type { Background, Env } from "../env";
import { db } from "../store/db";
import { newRunId } from "../store/ids";
import { writeAudit } from "../store/audit";
import { transitionStatus, updateIntegrationRow } from "../store/integrations";
import { sendAlert } from "../ops/alerts";
import { saveValidationRun } from "../store/validation-runs";
import type { Integration } from "../integrations/model";
import { forgetIntegrations } from "../integrations/resolve";
import { providerFor } from "../providers";
import type { ValidationOutcome } from "../providers/types";
import { overallOk, type CheckResult } from "./checks";

export interface ValidationReport {
  ok: boolean;
  checkedAt: string;
  checks: CheckResult[];
}

export function runChecks(env: Env, integ: Integration, sampleKey?: string): Promise<ValidationOutcome> {
  return providerFor(integ.row.provider).validate(env, integ, sampleKey);
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

export type ValidationTrigger = "manual" | "scheduled" | "request";

export interface RecordOptions {
  trigger?: ValidationTrigger;
  /** Who ran it (audit log actor); scheduled and request-triggered runs are "signpost". */
  actor?: string;
  requestId?: string;
  /** Where the alert POST may finish after the response; without it the alert is awaited. */
  background?: Background;
}

export async function validateAndRecord(env: Env, integ: Integration, sampleKey?: string, opts: RecordOptions = {}): Promise<ValidationReport> {
  const { checks, externalIdInsecure } = await runChecks(env, integ, sampleKey);
  const ok = overallOk(checks);
  const at = Date.now();
  const d = db(env.DB);
  const from = integ.row.status;
  const to = ok ? "valid" : "invalid";
  await saveValidationRun(d, newRunId(), integ.id, ok, checks, at);
  const changed = await transitionStatus(d, integ.id, from, to);
  await updateIntegrationRow(d, integ.id, {
    status: to,
    lastCheckedAt: at,
    externalIdInsecure: stillInsecure(integ.row.externalIdInsecure, externalIdInsecure, ok, checks),
  });
  forgetIntegrations();
  const checkedAt = new Date(at).toISOString();
  if (changed) {
    const trigger = opts.trigger ?? "manual";
    await writeAudit(
      d,
      {
        actor: opts.actor ?? "signpost",
        action: "integration.status_change",
        targetType: "integration",
        targetId: integ.id,
        detail: { from, to, trigger, failed: checks.filter((c) => c.status === "fail").map((c) => c.name) },
        requestId: opts.requestId,
      },
      at,
    );
    const alert = sendAlert(env, { integration: { id: integ.id, name: integ.row.name }, from, to, checks, at: checkedAt });
    if (opts.background) opts.background.waitUntil(alert);
    else await alert;
  }
  return { ok, checkedAt, checks };
}
