/**
 * Controls of the test provider over its metadata responses, for the metadata cache's tests:
 *
 * - **signing key rotation**: from {@link MetadataControl.rotateSigningKey} on, every ID token
 *   the token endpoint issues is signed with a new key, and the JWKS publishes that key (with or
 *   without the previous ones), as a provider rotating its keys does. oidc-provider reads its
 *   keys once at start-up, so the front re-signs the ID tokens it passes on; their claims, and
 *   everything else in the token response, stay the provider's own;
 * - **caching headers**: `Cache-Control` on the discovery document and the JWKS, and an `ETag`
 *   with `304 Not Modified` answers to a matching `If-None-Match`
 *   ({@link MetadataControl.setMetadataCaching}).
 *
 * @module
 */

import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose";
import { decodeBase64Url } from "../../../lib/base64url.ts";

/** How {@link MetadataControl.rotateSigningKey} rotates. */
export interface RotationOptions {
  /** Keep publishing the keys published so far, beside the new one (a graceful rotation). */
  keepPrevious?: boolean;
  /**
   * Give the new key the current key's `kid`, so a client holding the old JWKS finds a key for
   * the token but the signature fails (default: a new `kid`, so no key matches).
   */
  sameKid?: boolean;
  /** Sign with the new key but leave the JWKS as it is: tokens no published key signed. */
  unpublished?: boolean;
}

/** The caching headers the metadata responses carry. */
export interface MetadataCaching {
  /** The `Cache-Control` header of the discovery document and the JWKS; absent: none. */
  cacheControl?: string;
  /** Send a strong `ETag` and answer `304` to a matching `If-None-Match`. */
  etag?: boolean;
}

/** The controls a {@link MetadataControl} adds to the test provider. */
export interface MetadataControls {
  /** Signs every ID token issued from now on with a new key, published in the JWKS. */
  rotateSigningKey(options?: RotationOptions): Promise<void>;
  /** Sets the caching headers of the discovery document and the JWKS. */
  setMetadataCaching(caching: MetadataCaching): void;
}

const DISCOVERY_PATH = "/.well-known/openid-configuration";
const JWKS_PATH = "/jwks";
const encoder = new TextEncoder();

/** The post-processor of the provider's responses that implements the controls. */
export class MetadataControl implements MetadataControls {
  /** The keys the JWKS publishes once a rotation happened; before, the provider's own. */
  #published: JWK[];
  #signer?: { kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"] };
  #rotations = 0;
  #caching: MetadataCaching = {};

  /** @param providerKey the public JWK of the key the provider itself signs with */
  constructor(providerKey: JWK) {
    this.#published = [providerKey];
  }

  async rotateSigningKey(options: RotationOptions = {}): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    this.#rotations++;
    const kid = options.sameKid
      ? this.#published[this.#published.length - 1].kid!
      : `rotated-key-${this.#rotations}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    if (!options.unpublished) {
      this.#published = options.keepPrevious ? [...this.#published, jwk] : [jwk];
    }
    this.#signer = { kid, privateKey };
  }

  setMetadataCaching(caching: MetadataCaching): void {
    this.#caching = { ...caching };
  }

  /** The controls, to spread into the provider's handle. */
  controls(): MetadataControls {
    return {
      rotateSigningKey: (options) => this.rotateSigningKey(options),
      setMetadataCaching: (caching) => this.setMetadataCaching(caching),
    };
  }

  /** Applies the controls to the response the provider gave to `request`. */
  async process(request: Request, path: string, response: Response): Promise<Response> {
    if (response.status !== 200) return response;
    if (path === "/token" && this.#signer) return await this.#resign(response);
    if (path !== JWKS_PATH && path !== DISCOVERY_PATH) return response;
    const headers = new Headers(response.headers);
    let body = new Uint8Array(await response.arrayBuffer());
    if (path === JWKS_PATH && this.#signer) {
      body = encoder.encode(JSON.stringify({ keys: this.#published }));
    }
    if (this.#caching.cacheControl !== undefined) {
      headers.set("cache-control", this.#caching.cacheControl);
    }
    if (this.#caching.etag) {
      const etag = `"${await digest(body)}"`;
      headers.set("etag", etag);
      if (request.headers.get("if-none-match") === etag) {
        headers.delete("content-type");
        return new Response(null, { status: 304, headers });
      }
    }
    return new Response(body, { status: 200, headers });
  }

  /** Re-signs the ID token of a token response with the current key, claims unchanged. */
  async #resign(response: Response): Promise<Response> {
    const json = await response.json();
    if (typeof json.id_token === "string") {
      const [, payload] = json.id_token.split(".");
      const header = decodeProtectedHeader(json.id_token);
      json.id_token = await new CompactSign(decodeBase64Url(payload))
        .setProtectedHeader({ ...header, alg: "RS256", kid: this.#signer!.kid })
        .sign(this.#signer!.privateKey);
    }
    return new Response(JSON.stringify(json), { status: 200, headers: response.headers });
  }
}

async function digest(body: Uint8Array): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(hash).subarray(0, 12), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}
