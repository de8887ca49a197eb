/**
 * The provider's metadata (discovery document, JWKS) kept beside the token entries, so a refresh
 * needs no request but the token request. Each document is sealed like an entry (AES-256-GCM
 * under the same data key, the file name as additional authenticated data), so a file that was
 * damaged, swapped or forged without the key reads as absent and is fetched again, never trusted.
 *
 * Documents are keyed like entries by everything that could change the answer: the issuer, the
 * document's URL, the request headers and the trust roots. Their file names start with
 * `metadata-`, so they are never taken for token entries.
 *
 * @module
 */

import type { SealedDocuments } from "./encrypted_file.ts";
import { canonicalHeaders, sha256Hex } from "./key.ts";

/** The provider configuration a document was fetched under. */
export interface MetadataScope {
  issuerUrl: string;
  /** Headers sent to the provider (`--oidc-request-header`). */
  requestHeaders: Readonly<Record<string, string>>;
  /** CA file paths and inline CA data: another trust root may reach another server. */
  certificateAuthorities: readonly string[];
  certificateAuthorityData: readonly string[];
}

/** Sealed documents of one provider configuration, by URL. */
export interface MetadataDocumentStore {
  /** The stored text, or `undefined` when absent, damaged or tampered with. */
  read(url: string): Promise<string | undefined>;
  /** Stores the text, replacing the file atomically. */
  write(url: string, text: string): Promise<void>;
  /** Forgets the document (the provider said `no-store`). */
  delete(url: string): Promise<void>;
}

/** Prefix of the document files, which keeps them apart from the 64-hex token entries. */
export const METADATA_FILE_PREFIX = "metadata-";

/** The documents of one provider configuration, sealed in the entries' directory. */
export function metadataDocumentStore(
  cache: SealedDocuments,
  scope: MetadataScope,
): MetadataDocumentStore {
  const nameOf = async (url: string): Promise<string> =>
    METADATA_FILE_PREFIX + await sha256Hex(JSON.stringify([
      ["certificateAuthorities", [...scope.certificateAuthorities]],
      ["certificateAuthorityData", [...scope.certificateAuthorityData]],
      ["issuerUrl", scope.issuerUrl],
      ["requestHeaders", canonicalHeaders(scope.requestHeaders)],
      ["url", url],
    ]));
  return {
    read: async (url) => await cache.readDocument(await nameOf(url)),
    write: async (url, text) => await cache.writeDocument(await nameOf(url), text),
    delete: async (url) => {
      await cache.delete(await nameOf(url));
    },
  };
}
