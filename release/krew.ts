/**
 * The krew plugin manifest (`plugins/together-login.yaml`), generated from the release archives:
 * one platform per archive, selected by krew's `os` and `arch` labels, with the archive's URL,
 * SHA-256 and the binary in it. krew links that binary as `kubectl-together_login`, which kubectl
 * runs for `kubectl together-login`.
 *
 * @module
 */

import { dump } from "js-yaml";
import type { Target } from "./compile_args.ts";

/** The plugin's name in krew's index: `kubectl krew install together-login`. */
export const PLUGIN_NAME = "together-login";

/** The manifest's path under the output directory, as in krew's index repository. */
export const MANIFEST_PATH = `plugins/${PLUGIN_NAME}.yaml`;

/** One release archive. */
export interface ReleaseArchive {
  /** The platform its binary runs on. */
  target: Target;
  /** The archive's file name (`….tar.gz`, `….zip` for Windows). */
  name: string;
  /** The archive's SHA-256, lower-case hex. */
  sha256: string;
  /** The binary's path inside the archive. */
  bin: string;
}

/** Where the manifest points. */
export interface ManifestOptions {
  /** The release version, `0.1.0` (krew wants it with a leading `v`, added here). */
  version: string;
  /** The URL the archives are published under; each platform's `uri` is `<baseUrl>/<name>`. */
  baseUrl: string;
  /** The project's home page. */
  homepage: string;
}

/** A krew `Plugin` manifest, as far as this plugin uses it. */
export interface KrewManifest {
  /** krew's manifest API version. */
  apiVersion: "krew.googlecontainertools.github.com/v1alpha2";
  /** Always `Plugin`. */
  kind: "Plugin";
  /** The plugin's name. */
  metadata: { name: string };
  /** Version, descriptions and platforms. */
  spec: {
    version: string;
    homepage: string;
    shortDescription: string;
    description: string;
    caveats: string;
    platforms: {
      selector: { matchLabels: { os: string; arch: string } };
      uri: string;
      sha256: string;
      bin: string;
    }[];
  };
}

/** The manifest for `archives`. */
export function krewManifest(
  archives: readonly ReleaseArchive[],
  options: ManifestOptions,
): KrewManifest {
  return {
    apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: PLUGIN_NAME },
    spec: {
      version: `v${options.version.replace(/^v/, "")}`,
      homepage: options.homepage,
      shortDescription: "Log in to Kubernetes with OpenID Connect",
      description:
        "A client-go credential plugin: `kubectl together-login get-token` logs you in " +
        "to an OpenID Connect provider in the browser (or with a device code, a password, client " +
        "credentials) and gives kubectl an ID token, cached encrypted and refreshed when it " +
        "expires. Its flags are int128/kubelogin's, so kubeconfigs written for kubelogin work.\n",
      caveats: "Configure a kubeconfig user to run `kubectl together-login get-token`:\n" +
        "  kubectl together-login setup --oidc-issuer-url=ISSUER --oidc-client-id=CLIENT_ID\n" +
        "prints the kubeconfig to write.\n",
      platforms: archives.map((archive) => ({
        selector: { matchLabels: { os: archive.target.os, arch: archive.target.arch } },
        uri: `${options.baseUrl}/${archive.name}`,
        sha256: archive.sha256,
        bin: archive.bin,
      })),
    },
  };
}

/** The manifest as YAML. */
export function manifestYaml(manifest: KrewManifest): string {
  return dump(manifest, { lineWidth: 100, noRefs: true });
}

/** The `sha256sum` format: `<hex>  <name>` a line, which `sha256sum -c` checks. */
export function sha256Sums(archives: readonly ReleaseArchive[]): string {
  return archives.map((archive) => `${archive.sha256}  ${archive.name}\n`).join("");
}
