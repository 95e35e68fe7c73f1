/** The shape of a validation result (SPEC "Validation checks"). */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  /** What to change in the cloud account; null when there is nothing to change. */
  hint: string | null;
}

export const pass = (name: string, message: string): CheckResult => ({ name, status: "pass", message, hint: null });
export const skip = (name: string, message: string): CheckResult => ({ name, status: "skip", message, hint: null });
export const warn = (name: string, message: string, hint: string): CheckResult => ({ name, status: "warn", message, hint });
export const fail = (name: string, message: string, hint: string): CheckResult => ({ name, status: "fail", message, hint });

export function overallOk(checks: CheckResult[]): boolean {
  return checks.every((c) => c.status !== "fail");
}
