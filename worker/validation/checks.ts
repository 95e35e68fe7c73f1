/** The shape of a validation result (SPEC "Validation checks"). */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  hint?: string;
}

export const pass = (name: string, message: string): CheckResult => ({ name, status: "pass", message });
export const skip = (name: string, message: string): CheckResult => ({ name, status: "skip", message });
export const warn = (name: string, message: string, hint: string): CheckResult => ({ name, status: "warn", message, hint });
export const fail = (name: string, message: string, hint: string): CheckResult => ({ name, status: "fail", message, hint });

export function overallOk(checks: CheckResult[]): boolean {
  return checks.every((c) => c.status !== "fail");
}
