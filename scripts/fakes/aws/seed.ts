/** JSON-able start state for the fake AWS (the Node server and its control API use it). */
import { fromBase64 } from "./encoding";
import type { FakeAws } from "./index";
import type { FakeSeed, ObjectInit, SeedBucket } from "./model";

export function seedObject(o: NonNullable<SeedBucket["objects"]>[string]): ObjectInit {
  if (typeof o === "string") return o;
  const body = o.base64 !== undefined ? fromBase64(o.base64) : (o.body ?? "");
  return { body, contentType: o.contentType };
}

/** Adds a JSON-able seed's principals, roles and buckets to the fake. */
export function applySeed(fake: FakeAws, seed: FakeSeed): void {
  for (const p of seed.principals ?? []) fake.addPrincipal(p);
  for (const r of seed.roles ?? []) fake.addRole(r);
  for (const b of seed.buckets ?? []) {
    const objects = Object.fromEntries(Object.entries(b.objects ?? {}).map(([k, o]) => [k, seedObject(o)]));
    fake.addBucket({ name: b.name, region: b.region, cors: b.cors, objects });
  }
}
