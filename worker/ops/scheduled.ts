/** The Cron Trigger (wrangler.toml `[triggers] crons`): re-validation batch, usage flush and pruning. */
import type { Env } from "../env";
import { config } from "../config";
import { db } from "../store/db";
import { pruneRevalidationClaims } from "../store/revalidation-claims";
import { pruneUsage, USAGE_RETENTION_MS } from "../store/usage";
import { REQUEST_TRIGGER_WINDOW_MS, revalidateBatch } from "./revalidate";
import { flushUsage } from "./usage";

export async function runScheduled(env: Env, scheduledTime: number): Promise<void> {
  config(env); // a misconfigured deployment fails here too, with the variable named
  const d = db(env.DB);
  await flushUsage(env);
  const pruned = await pruneUsage(d, scheduledTime - USAGE_RETENTION_MS);
  await pruneRevalidationClaims(d, scheduledTime - REQUEST_TRIGGER_WINDOW_MS);
  const checked = await revalidateBatch(env);
  console.log(
    JSON.stringify({ type: "scheduled", scheduledTime: new Date(scheduledTime).toISOString(), revalidated: checked.length, usageRowsPruned: pruned }),
  );
}
