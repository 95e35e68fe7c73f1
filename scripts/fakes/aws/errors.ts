/** The two ways the fake AWS fails: an AWS error answer, or a simulated network failure. */

/** What a `network` fault rejects with (fetch rejects with a TypeError on network failure). */
export class FakeNetworkError extends TypeError {
  constructor() {
    super("fake-aws: simulated network failure");
    this.name = "FakeNetworkError";
  }
}

/** An AWS error answer; rendered as STS or S3 XML by the service that threw it. */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra child elements of `<Error>` (S3 only). */
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
