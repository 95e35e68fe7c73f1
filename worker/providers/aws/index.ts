/**
 * AWS and S3-compatible storage (aws_role, aws_keys) as one Provider record: SigV4 URLs
 * (./sign.ts) with STS credentials (./credentials.ts), the validation run (./checks.ts).
 * Its setup documents (trust policy, CloudFormation, Terraform: ./policies.ts, ./setup/) are
 * assembled by the admin and owner views, which need signpost's principal for them.
 */
import type { Provider } from "../types";
import { validateAws } from "./checks";
import { authorizeS3, isGcsInterop, maxTtlFor, signS3Object } from "./sign";

export const aws: Provider = {
  ids: ["aws_role", "aws_keys"],
  objectKind: "s3",
  signsForeignObjects: (integ, kind) => kind === "gcs" && isGcsInterop(integ),
  authorize: authorizeS3,
  maxTtl: maxTtlFor,
  sign: signS3Object,
  validate: validateAws,
  settingsKeys: [],
  documents: async () => ({}),
  ownerFields: () => ({}),
  // Static keys are the owner's own: nothing to set up on signpost's behalf.
  setupFiles: (id) => (id === "aws_role" ? ["aws.sh", "cloudformation.json", "terraform.tf"] : []),
};
