/** GET /admin/api/principal: the identity bucket owners' roles trust. */
import * as z from "zod/mini";

/** What the route answers, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function principalResponses() {
  return { principal: z.object({ arn: z.string(), accountId: z.string() }) };
}
