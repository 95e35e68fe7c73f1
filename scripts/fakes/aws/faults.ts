/** Injected faults: throttling, 5xx answers, network failures, hangs and delays. */
import { AwsError, FakeNetworkError } from "./errors";
import type { FaultKind, Service } from "./model";
import type { Incoming } from "./routing";
import { s3Error, stsError } from "./xml";

function waitFor(ms: number | null, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      if (timer !== undefined) clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer =
      ms === null
        ? undefined
        : setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function injectFault(fault: FaultKind, service: Service, inc: Incoming): Promise<Response | undefined> {
  if (typeof fault === "object") {
    await waitFor(fault.delayMs, inc.signal);
    return undefined;
  }
  if (fault === "network") throw new FakeNetworkError();
  if (fault === "hang") {
    await waitFor(null, inc.signal);
    return undefined;
  }
  const errors: Record<Service, Record<"throttle" | "500" | "503", AwsError>> = {
    sts: {
      throttle: new AwsError(400, "Throttling", "Rate exceeded"),
      "500": new AwsError(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
      "503": new AwsError(503, "ServiceUnavailable", "Service is unable to handle request."),
    },
    s3: {
      throttle: new AwsError(503, "SlowDown", "Please reduce your request rate."),
      "500": new AwsError(500, "InternalError", "We encountered an internal error. Please try again."),
      "503": new AwsError(503, "ServiceUnavailable", "Service is unable to handle request."),
    },
  };
  const err = errors[service][fault];
  return service === "sts" ? stsError(err) : s3Error(err, inc.method === "HEAD");
}
