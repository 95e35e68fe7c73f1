/**
 * A deliberately small IAM policy evaluator for the fake AWS.
 *
 * It understands real IAM JSON: Allow/Deny statements, Action/NotAction and
 * Resource/NotResource with `*`/`?` wildcards, IAM's `${*}`/`${?}`/`${$}` escapes (Version
 * 2012-10-17 only, as in IAM), and the `StringLike`/`StringEquals` condition operators on
 * `s3:prefix`. Anything else is rejected at parse time with `PolicyError.unsupported`, so no
 * test can silently rely on a feature the fake does not model.
 */

export type OneOrMany<T> = T | T[];

export interface IamStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Condition?: Record<string, Record<string, OneOrMany<string>>>;
}

export interface IamPolicy {
  Version?: string;
  Id?: string;
  Statement: OneOrMany<IamStatement>;
}

/** One authorization question: may `action` be performed on `resource`? */
export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys present in the request, lower-case names (e.g. `s3:prefix`). */
  context?: Record<string, string>;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

export class PolicyError extends Error {
  constructor(
    message: string,
    /** True when the document may be valid IAM but uses a feature the fake does not model. */
    readonly unsupported = false,
  ) {
    super(message);
    this.name = "PolicyError";
  }
}

const SUPPORTED_OPERATORS = new Set(["StringLike", "StringEquals"]);
const SUPPORTED_CONDITION_KEYS = new Set(["s3:prefix", "kms:viaservice"]);
const STATEMENT_FIELDS = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]);

function list<T>(v: OneOrMany<T> | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function isStringList(v: unknown): v is OneOrMany<string> {
  return typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));
}

/** Parses (if a string) and validates a policy document; throws PolicyError. */
export function parsePolicy(doc: unknown): IamPolicy {
  let value = doc;
  if (typeof doc === "string") {
    try {
      value = JSON.parse(doc);
    } catch {
      throw new PolicyError("Syntax errors in policy.");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PolicyError("Policy must be a JSON object.");
  const policy = value as Record<string, unknown>;
  for (const k of Object.keys(policy)) {
    if (k !== "Version" && k !== "Id" && k !== "Statement") throw new PolicyError(`Unknown policy field: ${k}`);
  }
  if (policy.Version !== undefined && policy.Version !== "2012-10-17" && policy.Version !== "2008-10-17") {
    throw new PolicyError("The policy must contain a valid version string");
  }
  const statements = list(policy.Statement as OneOrMany<unknown> | undefined);
  if (statements.length === 0) throw new PolicyError("Policy has no statements.");
  const variables = policy.Version === "2012-10-17";
  for (const s of statements) validateStatement(s, variables);
  return policy as unknown as IamPolicy;
}

function validateStatement(raw: unknown, variables: boolean): void {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PolicyError("Statement must be an object.");
  const s = raw as Record<string, unknown>;
  if ("Principal" in s || "NotPrincipal" in s) throw new PolicyError("Policy document should not specify a principal.");
  for (const k of Object.keys(s)) if (!STATEMENT_FIELDS.has(k)) throw new PolicyError(`Unknown statement field: ${k}`);
  if (s.Effect !== "Allow" && s.Effect !== "Deny") throw new PolicyError("Statement Effect must be Allow or Deny.");
  requireExactlyOne(s, "Action", "NotAction");
  requireExactlyOne(s, "Resource", "NotResource");
  for (const a of list((s.Action ?? s.NotAction) as OneOrMany<string>)) {
    if (a !== "*" && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/i.test(a)) throw new PolicyError(`Invalid action: ${a}`);
  }
  // Compile every pattern now so unsupported variables fail at setup time, not mid-request.
  for (const r of list((s.Resource ?? s.NotResource) as OneOrMany<string>)) compile(r, { wildcards: true, variables, ignoreCase: false });
  if (s.Condition !== undefined) validateCondition(s.Condition, variables);
}

function requireExactlyOne(s: Record<string, unknown>, a: string, b: string): void {
  const has = [a, b].filter((k) => k in s);
  if (has.length !== 1) throw new PolicyError(`Statement needs exactly one of ${a}/${b}.`);
  if (!isStringList(s[has[0]!])) throw new PolicyError(`${has[0]} must be a string or a non-empty list of strings.`);
}

function validateCondition(cond: unknown, variables: boolean): void {
  if (typeof cond !== "object" || cond === null || Array.isArray(cond)) throw new PolicyError("Condition must be an object.");
  for (const [op, block] of Object.entries(cond)) {
    if (!SUPPORTED_OPERATORS.has(op)) throw new PolicyError(`fake-aws IAM: unsupported condition operator ${op}`, true);
    if (typeof block !== "object" || block === null) throw new PolicyError(`Condition ${op} must be an object.`);
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      if (!SUPPORTED_CONDITION_KEYS.has(key.toLowerCase())) throw new PolicyError(`fake-aws IAM: unsupported condition key ${key}`, true);
      if (!isStringList(values)) throw new PolicyError(`Condition ${op}/${key} values must be strings.`);
      for (const v of list(values)) compile(v, { wildcards: op === "StringLike", variables, ignoreCase: false });
    }
  }
}

interface PatternOptions {
  wildcards: boolean;
  variables: boolean;
  ignoreCase: boolean;
}

const compiled = new Map<string, RegExp>();

/**
 * Turns an IAM pattern into an anchored RegExp. `*` is any run of characters (including `/`),
 * `?` exactly one; `${*}`, `${?}`, `${$}` are the literal characters. Other `${…}` policy
 * variables are not modelled.
 */
export function compile(pattern: string, o: PatternOptions): RegExp {
  const cacheKey = `${+o.wildcards}${+o.variables}${+o.ignoreCase}:${pattern}`;
  const hit = compiled.get(cacheKey);
  if (hit) return hit;
  let src = "";
  for (let i = 0; i < pattern.length;) {
    if (o.variables && pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i);
      const name = end < 0 ? "" : pattern.slice(i + 2, end);
      if (name !== "*" && name !== "?" && name !== "$") {
        throw new PolicyError(`fake-aws IAM: unsupported policy variable in ${pattern}`, true);
      }
      src += escapeRegExp(name);
      i = end + 1;
      continue;
    }
    const ch = String.fromCodePoint(pattern.codePointAt(i)!);
    src += o.wildcards && ch === "*" ? ".*" : o.wildcards && ch === "?" ? "." : escapeRegExp(ch);
    i += ch.length;
  }
  const re = new RegExp(`^${src}$`, o.ignoreCase ? "isu" : "su");
  compiled.set(cacheKey, re);
  return re;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function anyMatch(patterns: string[], value: string, o: PatternOptions): boolean {
  return patterns.some((p) => compile(p, o).test(value));
}

function statementApplies(s: IamStatement, req: IamRequest, variables: boolean): boolean {
  const actionOpts = { wildcards: true, variables: false, ignoreCase: true };
  const actionHit = s.Action !== undefined ? anyMatch(list(s.Action), req.action, actionOpts) : !anyMatch(list(s.NotAction), req.action, actionOpts);
  if (!actionHit) return false;
  const resourceOpts = { wildcards: true, variables, ignoreCase: false };
  const resourceHit =
    s.Resource !== undefined ? anyMatch(list(s.Resource), req.resource, resourceOpts) : !anyMatch(list(s.NotResource), req.resource, resourceOpts);
  return resourceHit && conditionHolds(s.Condition, req.context ?? {}, variables);
}

/** Every operator and key must hold; within one key any listed value may match. A key absent from the request fails. */
function conditionHolds(cond: IamStatement["Condition"], context: Record<string, string>, variables: boolean): boolean {
  if (!cond) return true;
  return Object.entries(cond).every(([op, block]) =>
    Object.entries(block).every(([key, values]) => {
      const actual = context[key.toLowerCase()];
      return actual !== undefined && anyMatch(list(values), actual, { wildcards: op === "StringLike", variables, ignoreCase: false });
    }),
  );
}

/** "deny" beats "allow"; "none" means no statement applies (implicit deny). */
export function evaluate(policy: IamPolicy, req: IamRequest): "allow" | "deny" | "none" {
  const variables = policy.Version === "2012-10-17";
  let allowed = false;
  for (const s of list(policy.Statement)) {
    if (!statementApplies(s, req, variables)) continue;
    if (s.Effect === "Deny") return "deny";
    allowed = true;
  }
  return allowed ? "allow" : "none";
}

/**
 * Identity policies (of the user or role) and, for sessions created with a `Policy`, the
 * session policy: allowed only when an identity policy allows, the session policy (if any)
 * also allows, and nothing denies. Reasons use the wording of real AWS denials.
 */
export function authorize(req: IamRequest, identity: IamPolicy[], session?: IamPolicy): Decision {
  const decisions = identity.map((p) => evaluate(p, req));
  if (decisions.includes("deny")) return { allowed: false, reason: "with an explicit deny in an identity-based policy" };
  const sessionDecision = session ? evaluate(session, req) : "allow";
  if (sessionDecision === "deny") return { allowed: false, reason: "with an explicit deny in a session policy" };
  if (!decisions.includes("allow")) return { allowed: false, reason: `because no identity-based policy allows the ${req.action} action` };
  if (sessionDecision !== "allow") return { allowed: false, reason: `because no session policy allows the ${req.action} action` };
  return { allowed: true };
}
