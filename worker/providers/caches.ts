/** Test hook: forget everything the gcs/azure signing path cached in this isolate. */
import { forgetSignedUrls } from "./url-cache";
import { forgetGcsDenials } from "./gcs/sign";
import { forgetDelegationKeys } from "./azure/key-cache";
import { forgetFederatedTokens } from "./gcs/keyless";

export function forgetProviderCaches(): void {
  forgetSignedUrls();
  forgetGcsDenials();
  forgetDelegationKeys();
  forgetFederatedTokens();
}
