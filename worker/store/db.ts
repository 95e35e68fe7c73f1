import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;
const DBS = new WeakMap<D1Database, Db>();

/** One drizzle instance per D1 binding per isolate. */
export function db(d1: D1Database): Db {
  let d = DBS.get(d1);
  if (!d) DBS.set(d1, (d = drizzle(d1, { schema })));
  return d;
}
