/**
 * Structural checks of the generated infrastructure files, shared by the in-process and the
 * wrangler dev tests. cfn-lint and terraform are not installable here, so: CloudFormation
 * templates have every Ref, Condition and Fn::If naming something the template declares;
 * Terraform modules have balanced blocks and use only declared variables.
 */
import { expect } from "vitest";

const PSEUDO = ["AWS::NoValue", "AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::StackName"];

export function checkCloudFormationTemplate(t: any): void {
  expect(t.AWSTemplateFormatVersion).toBe("2010-09-09");
  const params = Object.keys(t.Parameters ?? {});
  const resources = Object.keys(t.Resources ?? {});
  const conditions = Object.keys(t.Conditions ?? {});
  for (const [name, p] of Object.entries<any>(t.Parameters ?? {})) {
    expect(["String", "Number", "CommaDelimitedList"], name).toContain(p.Type);
    if (p.AllowedPattern && p.Default !== undefined) expect(new RegExp(p.AllowedPattern).test(String(p.Default)), name).toBe(true);
    if (p.AllowedValues && p.Default !== undefined) expect(p.AllowedValues, name).toContain(p.Default);
  }
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
      if (k === "Ref") expect([...params, ...resources, ...PSEUDO], String(x)).toContain(x);
      if (k === "Condition" && typeof x === "string") expect(conditions, x).toContain(x);
      if (k === "Fn::If") expect(conditions, String((x as unknown[])[0])).toContain((x as unknown[])[0]);
      if (k === "Fn::Sub" && typeof x === "string")
        for (const m of x.matchAll(/\$\{([^}!]+)\}/g)) expect([...params, ...resources, ...PSEUDO], m[1]).toContain(m[1]);
      walk(x);
    }
  };
  walk(t);
}

/** Balanced blocks, declared variables only; returns the resource types in order and the declared variables. */
export function checkTerraformModule(tf: string): { resources: string[]; variables: Set<string> } {
  // Balanced braces, brackets and parentheses outside strings and comments.
  const code = tf.replace(/^\s*#.*$/gm, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const open: string[] = [];
  const pairs: Record<string, string> = { "}": "{", "]": "[", ")": "(" };
  for (const ch of code) {
    if ("{[(".includes(ch)) open.push(ch);
    else if (ch in pairs) expect(open.pop(), `unbalanced ${ch}`).toBe(pairs[ch]);
  }
  expect(open).toEqual([]);
  const resources = [...tf.matchAll(/^resource "([a-z0-9_]+)" "([a-z0-9_]+)" \{$/gm)].map((m) => m[1]!);
  const variables = new Set([...tf.matchAll(/^variable "([a-z0-9_]+)" \{$/gm)].map((m) => m[1]!));
  const used = new Set([...tf.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1]));
  for (const v of used) expect(variables, v).toContain(v);
  const locals = new Set([...tf.matchAll(/^ {2}([a-z0-9_]+)\s*=/gm)].map((m) => m[1]));
  for (const m of tf.matchAll(/\blocal\.([a-z0-9_]+)/g)) expect(locals, m[1]).toContain(m[1]);
  return { resources, variables };
}
