/** revalidation_claims: one request-triggered re-validation per integration per window, across isolates. */
import type { Db } from "./db";

/** True when this caller won the claim (no claim younger than `windowMs` existed). */
export async function claimRevalidation(d: Db, integrationId: string, now: number, windowMs: number): Promise<boolean> {
  const res = await d
    .prepare(
      "insert into revalidation_claims (integration_id, claimed_at) values (?1, ?2) on conflict(integration_id) do update set claimed_at = excluded.claimed_at where claimed_at <= ?3",
    )
    .bind(integrationId, now, now - windowMs)
    .run();
  return (res.meta?.changes ?? 0) > 0;
}

export async function pruneRevalidationClaims(d: Db, before: number): Promise<void> {
  await d.prepare("delete from revalidation_claims where claimed_at < ?").bind(before).run();
}
