/** Providers beyond AWS: which are available, their settings and documents. */
import type { Env } from "../env";
import type { IntegrationRow } from "./model";
import type { PatchInput } from "./input";

export function supportedProviders(): string[] {
  return ["aws_role", "aws_keys"];
}

/** Provider settings column from input, or null when the input touches none. */
export function providerSettings(provider: string, input: PatchInput): Record<string, unknown> | null {
  void provider;
  void input;
  return null;
}

export async function providerDocumentsFor(_env: Env, _row: IntegrationRow): Promise<Record<string, unknown>> {
  return {};
}
