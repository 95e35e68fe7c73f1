/**
 * What the provider settings parsers share: a field error in the API's words, and the rule
 * that a field the input leaves out keeps its stored value.
 */
import { ApiError } from "../http/errors";

export const fieldError = (field: string, message: string) => new ApiError("invalid_request", `${field}: ${message}`);

/** The input's value of `key` (an explicit null clears it), else the stored one. */
export function inputOrStored(input: Record<string, unknown>, existing: Record<string, unknown> | undefined, key: string): unknown {
  return input[key] !== undefined ? input[key] : existing?.[key];
}
