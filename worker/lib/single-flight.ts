/**
 * Values that expire (tokens, delegation keys, signed URLs), cached per isolate and loaded at
 * most once at a time per key however many requests wait for them.
 */

export interface Expiring {
  /** Epoch ms. */
  expiresAt: number;
}

interface Flight<T> {
  promise: Promise<T>;
  /** Wall-clock epoch ms after which waiters give up on this flight and a new one may start. */
  deadline: number;
}

/**
 * Values that expire, loaded at most once at a time per key. Waiters stop waiting at the
 * flight's deadline: a load started by a request that workerd cancels can stay pending
 * forever, and must not hold every later request hostage.
 */
export class SingleFlightCache<T extends Expiring> {
  private readonly values = new Map<string, T>();
  private readonly flights = new Map<string, Flight<T>>();

  constructor(private readonly maxEntries = 1000) {}

  /** The cached value, expired or not. */
  peek(key: string): T | undefined {
    return this.values.get(key);
  }

  /** Forgets `key`; with `value`, only while it is still the cached one (so a newer value survives). */
  delete(key: string, value?: T): void {
    if (value === undefined || this.values.get(key) === value) this.values.delete(key);
  }

  clear(): void {
    this.values.clear();
    this.flights.clear();
  }

  /**
   * The cached value when it lasts until `needUntil`; otherwise the result of the load in
   * flight for `key`, or of a new one. The caller checks that a loaded value is long enough.
   */
  get(key: string, o: { needUntil: number; load: () => Promise<T>; deadlineMs: number; onDeadline: () => Error }): Promise<T> {
    const hit = this.values.get(key);
    if (hit && hit.expiresAt >= o.needUntil) return Promise.resolve(hit);
    const wallNow = Date.now();
    let flight = this.flights.get(key);
    if (!flight || flight.deadline <= wallNow) {
      const promise = o.load().then((v) => {
        this.values.delete(key);
        this.values.set(key, v);
        if (this.values.size > this.maxEntries) this.values.delete(this.values.keys().next().value!);
        return v;
      });
      const f: Flight<T> = { promise, deadline: wallNow + o.deadlineMs };
      const release = () => {
        if (this.flights.get(key) === f) this.flights.delete(key);
      };
      promise.then(release, release);
      this.flights.set(key, f);
      flight = f;
    }
    return withDeadline(flight.promise, flight.deadline - wallNow, o.onDeadline);
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, onDeadline: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onDeadline()), Math.max(0, ms));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
