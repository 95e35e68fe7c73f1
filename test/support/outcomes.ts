/** Small assertions the provider tests share. */
import { expect } from "vitest";
import { ApiError } from "../../worker/http/errors";

/** The ApiError `p` rejects with (fails the test if it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** Fetches `url` and expects a 200 with exactly `body` (`label` names the case on failure). */
export async function expectServed(url: string, body: string, label: string): Promise<void> {
  const res = await fetch(url);
  expect(res.status, `${label}: ${await res.clone().text()}`).toBe(200);
  expect(await res.text()).toBe(body);
}
