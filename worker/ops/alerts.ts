/**
 * Status-change alerts to ALERT_WEBHOOK_URL. The body is the SPEC's
 * `{"integration": {"id", "name"}, "from", "to", "checks", "at"}` plus `text`, a one-line
 * summary: Slack incoming webhooks post `text` and ignore the other fields, so the same URL
 * works for a Slack channel and for a JSON consumer.
 */
import { config } from "../config";
import type { Env } from "../env";
import { fetchWithRetry, OutboundFailure } from "../lib/outbound";
import type { CheckResult } from "../validation/checks";

export interface StatusChange {
  integration: { id: string; name: string };
  from: string;
  to: string;
  checks: CheckResult[];
  /** ISO time of the validation run. */
  at: string;
}

export interface AlertBody extends StatusChange {
  text: string;
}

const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

export function alertBody(change: StatusChange): AlertBody {
  const failed = change.checks.filter((c) => c.status === "fail");
  const why = failed.length > 0 ? ` Failed: ${failed.map((c) => `${c.name} (${c.message.slice(0, 160)})`).join("; ")}.` : "";
  const text = `signpost: integration "${change.integration.name}" (${change.integration.id}) is now ${change.to} (was ${change.from}).${why}`;
  return { ...change, text };
}

/** POSTs the alert; never throws (a failed alert must not fail the validation that caused it). */
export async function sendAlert(env: Env, change: StatusChange): Promise<boolean> {
  const url = config(env).alertWebhookUrl;
  if (!url) return false;
  const body = JSON.stringify(alertBody(change));
  try {
    await fetchWithRetry(
      () => new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body }),
      (res) => (res.status >= 500 || res.status === 429 ? "retry" : "done"),
      { attempts: ATTEMPTS, timeoutMs: TIMEOUT_MS, baseDelayMs: 200, maxDelayMs: 2_000 },
    ).then(({ res }) => {
      if (!res.ok) throw new OutboundFailure(`HTTP ${res.status}`, res.status, null);
    });
    return true;
  } catch (err) {
    // The webhook URL can carry a secret path (Slack's does): only its origin is logged.
    console.error(
      JSON.stringify({
        type: "alert_failed",
        integrationId: change.integration.id,
        webhook: new URL(url).origin,
        reason: err instanceof Error ? err.message : "error",
      }),
    );
    return false;
  }
}
