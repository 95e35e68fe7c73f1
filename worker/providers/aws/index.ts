/**
 * AWS and S3-compatible storage (aws_role, aws_keys) as one Provider record: SigV4 URLs
 * (./sign.ts) with STS credentials (./credentials.ts), the validation run (./checks.ts).
 * Its setup documents: ./documents.ts (policies from ./policies.ts; setup files in ./setup/).
 */
import type { Provider } from "../types";
import { validateAws } from "./checks";
import { awsDocuments } from "./documents";
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
  documents: async (env, row) => (await awsDocuments(env, row)).documents,
  ownerFields: () => ({}),
  // Static keys are the owner's own: nothing to set up on signpost's behalf.
  setupFiles: (id) => (id === "aws_role" ? ["aws.sh", "cloudformation.json", "terraform.tf"] : []),
};
