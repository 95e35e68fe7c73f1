import { listObjectsQuery, signRequest, uploadRequest, v1Responses } from "../../../worker/schemas/v1";
import type { Surface } from "../document";

const responses = v1Responses();
const common = ["invalid_request", "unauthorized", "ip_not_allowed", "scope_not_allowed", "integration_not_found", "rate_limited"] as const;

export const v1: Surface = {
  name: "Server-side APIs",
  description: "For labeling backends, with an API token: batch signing, listing, export uploads.",
  operations: [
    {
      method: "post",
      path: "/v1/sign",
      summary: "Sign up to 1000 object URLs",
      description:
        "Per-URL errors (`{code, message}`) never fail the batch. Without `integration`, each URL goes to the integration whose scopes match its bucket, else the default.",
      auth: "api",
      body: {
        name: "SignRequest",
        schema: signRequest,
        // Entries are validated one by one (see the schema); what a caller sends is strings.
        patch: (json) => {
          (json.properties as Record<string, Record<string, unknown>>).urls!.items = { type: "string" };
        },
      },
      responses: { 200: { description: "One result per URL, in order.", json: { name: "SignResponse", schema: responses.sign } } },
      errors: [...common, "no_default_integration"],
    },
    {
      method: "get",
      path: "/v1/integrations/{id}/objects",
      summary: "List objects under a prefix",
      description:
        "ListObjectsV2 on the integration's first scope; `prefix` is relative to its bucket and must stay inside the scope. `cursor` is null on the last page.",
      auth: "api",
      params: { id: "The integration id." },
      query: listObjectsQuery,
      responses: { 200: { description: "A page of objects, each with its /v1/assets URL.", json: { name: "ObjectList", schema: responses.listObjects } } },
      errors: [...common, "role_cannot_be_assumed", "upstream_error", "sts_unavailable"],
    },
    {
      method: "post",
      path: "/v1/uploads",
      summary: "Presign an export upload (PUT)",
      description: "Only under the integration's `writeScopes`; the content type is a signed header of the PUT.",
      auth: "api",
      body: { name: "UploadRequest", schema: uploadRequest },
      responses: { 200: { description: "Send the bytes with this method, URL and headers.", json: { name: "Upload", schema: responses.upload } } },
      errors: [...common, "invalid_key", "role_cannot_be_assumed", "sts_unavailable"],
    },
  ],
};
