/** The per-test world most API tests share: a fresh world with the media bucket for each test. */
import { afterEach, beforeEach, vi } from "vitest";
import { newWorld, type World } from "./harness";

/**
 * Before each test: a fresh world (empty D1/KV, fresh fake AWS) with `media-bucket` in
 * us-east-1 holding `a.txt` ("A"), handed to `use`. After each: the world is closed and spies
 * and fake timers are undone.
 */
export function worldPerTest(use: (w: World) => void): void {
  let current: World | undefined;
  beforeEach(async () => {
    current = await newWorld();
    current.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
    use(current);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    current?.close();
  });
}
