/** What the page knows: the admin API's answers, which panels are open, the wizard's progress. */
import type { ProviderSpec } from "../providers";

/** An integration as GET /admin/api/integrations/{id} answers (documents are further top-level fields). */
export interface Integration {
  id: string;
  name: string;
  provider: string;
  status: string;
  roleArn?: string | null;
  externalId?: string | null;
  accessKeyId?: string | null;
  region: string;
  endpoint?: string | null;
  scopes?: string[];
  ipAllowlist?: string[];
  urlTtlSeconds: number;
  sessionDurationSeconds: number;
  isDefault?: boolean;
  lastCheckedAt?: string | null;
  lastUsedAt?: string | null;
  updatedAt: string;
  lastValidation?: Report | null;
  [field: string]: unknown;
}

export interface Check {
  name: string;
  status: string;
  message?: string;
  hint?: string;
}

export interface Report {
  ok: boolean;
  checks?: Check[];
  checkedAt?: string;
}

export interface Token {
  id: string;
  name: string;
  integrations?: string[];
  createdAt?: string;
  lastUsedAt?: string | null;
}

export interface Invite {
  id: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string | null;
  revokedAt?: string | null;
}

export interface Panel {
  el: HTMLElement;
  fill(integ: Integration): void;
  reload(): Promise<void>;
}

export const PROVIDERS: ProviderSpec[] = JSON.parse(document.getElementById("signpost-providers")?.textContent || "[]");

export const state = {
  integrations: [] as Integration[],
  tokens: [] as Token[],
  principal: null as { arn: string } | null,
  principalError: null as string | null,
  open: {} as Record<string, boolean>,
  panels: {} as Record<string, Panel>,
  wizard: null as { integration: Integration; spec: ProviderSpec } | null,
};

export function providerSpec(id: string): ProviderSpec | null {
  return PROVIDERS.find((p) => p.id === id) || null;
}

export function providerLabel(id: string): string {
  const p = providerSpec(id);
  return p ? p.label : id;
}

export function findIntegration(id: string): Integration | null {
  return state.integrations.find((i) => i.id === id) || null;
}

export function replaceIntegration(updated: Integration): void {
  state.integrations = state.integrations.map((i) => (i.id === updated.id ? Object.assign({}, i, updated) : i));
}
