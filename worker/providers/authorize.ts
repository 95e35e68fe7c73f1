/**
 * The refusals every provider words the same way: an object of another storage than the
 * integration's, and (gcs, azure: read-only providers) a write or an object outside the scopes.
 */
import { ApiError } from "../http/errors";
import { scopeFor, type Integration } from "../integrations/model";
import type { ObjectKind } from "./object-url";
import { providerScopes } from "./settings";
import type { SignRequest } from "./types";

const LABEL: Record<ObjectKind, string> = { s3: "S3", gcs: "Cloud Storage", azure: "Azure Blob" };

function objectName(kind: ObjectKind, bucket: string, key: string): string {
  const scheme = kind === "gcs" ? "gs" : kind === "azure" ? "az" : "s3";
  return `${scheme}://${bucket}/${key.slice(0, 200)}`;
}

/** `scope_not_allowed`: the URL named an object of another storage than the integration signs for. */
export function foreignObjectError(integ: Integration, own: ObjectKind, wanted: ObjectKind, req: Pick<SignRequest, "bucket" | "key">): ApiError {
  return new ApiError(
    "scope_not_allowed",
    `Integration ${integ.id} signs ${LABEL[own]} objects; ${objectName(wanted, req.bucket, req.key)} is a ${LABEL[wanted]} object.`,
    `Name a ${wanted === "s3" ? "aws_role or aws_keys" : wanted} integration with &integration={id} (or "integration" in /v1/sign), or add the ${wanted === "azure" ? "container" : "bucket"} to its scopes.`,
  );
}

/** gcs and azure sign downloads only, inside the integration's scopes (azure: plus its containers). */
export function authorizeRead(integ: Integration, req: SignRequest, own: ObjectKind): void {
  if ((req.method ?? "GET") !== "GET") {
    throw new ApiError("invalid_request", `Export uploads are available for AWS integrations only, not ${integ.row.provider}.`);
  }
  if (!scopeFor(providerScopes(integ), req.bucket, req.key)) {
    throw new ApiError(
      "scope_not_allowed",
      `This integration may not read ${objectName(own, req.bucket, req.key)}.`,
      own === "azure"
        ? "Add the container (or container/prefix/) to the integration's scopes, or request a blob inside them."
        : "Add a matching scope to the integration, or request an object inside its scopes.",
    );
  }
}
