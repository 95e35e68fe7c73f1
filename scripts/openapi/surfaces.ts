/**
 * Every surface in the OpenAPI document. Adding one is a file in surfaces/ (its routes, with
 * the schemas from worker/schemas/ that validate them) and an entry here.
 */
import type { Surface } from "./document";
import { redirects } from "./surfaces/redirects";
import { v1 } from "./surfaces/v1";
import { integrations } from "./surfaces/integrations";
import { tokens } from "./surfaces/tokens";
import { admin } from "./surfaces/admin";
import { adminPage } from "./surfaces/admin-page";
import { invites } from "./surfaces/invites";

export const surfaces: readonly Surface[] = [redirects, v1, integrations, tokens, admin, adminPage, invites];
