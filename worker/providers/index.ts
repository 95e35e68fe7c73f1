/**
 * The provider registry: every storage provider's record, by the integration's `provider`.
 * Adding a cloud is one folder beside aws/, gcs/ and azure/ and one line here.
 */
import type { Integration } from "../integrations/model";
import { aws } from "./aws";
import { azure } from "./azure";
import { gcs } from "./gcs";
import { PROVIDER_IDS, type ProviderId } from "./ids";
import type { ObjectKind } from "./object-url";
import type { Provider } from "./types";

const PROVIDERS: readonly Provider[] = [aws, gcs, azure];

const BY_ID = new Map<string, Provider>(PROVIDERS.flatMap((p) => p.ids.map((id) => [id, p] as const)));

// Every id of the list has exactly one record (checked once, at load).
for (const id of PROVIDER_IDS) if (!BY_ID.has(id)) throw new Error(`no provider record for ${id}`);

export function providerFor(id: ProviderId): Provider {
  return BY_ID.get(id)!;
}

/** Every provider record, AWS first. */
export function allProviders(): readonly Provider[] {
  return PROVIDERS;
}

/** Whether the integration's provider signs an object of `kind` (undefined: the integration's own). */
export function signsObject(integ: Integration, kind: ObjectKind | undefined): boolean {
  const p = providerFor(integ.row.provider);
  return kind === undefined || kind === p.objectKind || p.signsForeignObjects(integ, kind);
}
