/**
 * The API server double as the end-to-end tests use it: it trusts the test provider's public
 * client, reads the `groups` claim, and lets the `developers` group (Alice's) in.
 *
 * @module
 */

import { type ApiServer, startApiServer } from "./apiserver.ts";
import { PUBLIC_CLIENT_ID } from "./idp.ts";

/** Starts the API server double for tokens of `issuerUrl`'s public client. */
export function startDevelopersApiServer(issuerUrl: string): Promise<ApiServer> {
  return startApiServer({
    issuerUrl,
    clientId: PUBLIC_CLIENT_ID,
    groupsClaim: "groups",
    bindings: [{ group: "developers" }],
  });
}
