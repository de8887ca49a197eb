/**
 * `doctor`'s checks of this machine: the loopback ports the authorization code flow listens on,
 * the token cache directory's permissions and owner, the keyring when chosen, and the Deno
 * permissions the configuration needs.
 *
 * @module
 */

import { parseListenAddress } from "../oidc/loopback_server.ts";
import { allowFlagFor } from "../permissions.ts";
import { errorMessage } from "../errors.ts";
import { type CheckResult, fail, pass } from "./check.ts";

/** Which `--listen-address`es can be bound; busy ones fail only when none is free. */
export function checkListenAddresses(addresses: readonly string[]): CheckResult[] {
  const results = addresses.map((address): CheckResult & { free: boolean } => {
    const name = `port ${address}`;
    let hostname: string;
    let port: number;
    try {
      ({ hostname, port } = parseListenAddress(address));
    } catch (error) {
      return {
        ...fail(name, errorMessage(error), "pass `login.listenAddresses` as HOST:PORT"),
        free: false,
      };
    }
    if (port === 0) return { ...pass(name, "any free port will do"), free: true };
    try {
      Deno.listen({ hostname, port }).close();
      return { ...pass(name, `${address} is free`), free: true };
    } catch (error) {
      const why = error instanceof Deno.errors.AddrInUse
        ? "is in use"
        : `cannot be bound (${errorMessage(error)})`;
      return {
        ...fail(
          name,
          `${address} ${why}`,
          "stop what listens there, or pass `login.listenAddresses` with a free port your " +
            "provider allows",
        ),
        free: false,
      };
    }
  });
  const anyFree = results.some((result) => result.free);
  return results.map(({ free: _, ...result }) =>
    result.status === "fail" && anyFree
      ? {
        name: result.name,
        status: "info",
        detail: `${result.detail}; the next of \`login.listenAddresses\` is used`,
      }
      : result
  );
}

/**
 * The cache directory must be private: no access for group or others, owned by this user. A
 * missing directory is fine (the first login creates it, mode 0700).
 */
export async function checkCacheDirectory(directory: string): Promise<CheckResult> {
  const name = "cache directory";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(directory);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return {
        name,
        status: "info",
        detail: `${directory} does not exist yet; the first login creates it (mode 0700)`,
      };
    }
    // Deno's own wording names no directory a user can grant; the fix below does.
    const reason = error instanceof Deno.errors.NotCapable
      ? "this process may not read it"
      : errorMessage(error);
    return fail(
      name,
      `cannot inspect ${directory}: ${reason}`,
      `run with --allow-read=${directory}`,
    );
  }
  if (!info.isDirectory) {
    return fail(
      name,
      `${directory} is not a directory`,
      "remove it or pass another `cache.directory`",
    );
  }
  if (Deno.build.os === "windows" || info.mode === null) return pass(name, `${directory} exists`);
  if ((info.mode & 0o077) !== 0) {
    return fail(
      name,
      `${directory} has mode ${(info.mode & 0o777).toString(8)}: others may read the token cache`,
      `chmod 700 ${directory}`,
    );
  }
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !== "granted") {
    return pass(name, `${directory} has mode 700 (owner not checked: run with --allow-sys=uid)`);
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== uid) {
    return fail(
      name,
      `${directory} belongs to uid ${info.uid}, not to this user (uid ${uid})`,
      `chown -R ${uid} ${directory}, or pass a \`cache.directory\` of your own`,
    );
  }
  return pass(name, `${directory} has mode 700 and is yours`);
}

/** Whether the OS keyring can be reached, for `--token-cache-storage=keyring`. */
export async function checkKeyring(): Promise<CheckResult> {
  const name = "keyring";
  // Loaded here only: the keyring binding is a native module.
  const { keyringBindingPermitted } = await import("../cache/keyring_binding.ts");
  if (!(await keyringBindingPermitted())) {
    return fail(
      name,
      "keyring storage needs --allow-ffi, which this process lacks",
      'run with --allow-ffi, or use `cache.storage: "disk"`',
    );
  }
  const { probeKeyring } = await import("../cache/keyring.ts");
  const probe = await probeKeyring();
  if (!probe.available) {
    return fail(
      name,
      `the keyring did not answer: ${probe.error.message}`,
      'start a Secret Service (gnome-keyring, KeePassXC) or use `cache.storage: "disk"`',
    );
  }
  return pass(
    name,
    probe.hasDataKey ? "the keyring holds the cache key" : "the keyring answers (no cache key yet)",
  );
}

/** The Deno permissions `get-token` needs with this configuration; one line naming the missing flags. */
export function checkPermissions(needed: readonly Deno.PermissionDescriptor[]): CheckResult {
  const missing = needed.filter((descriptor) =>
    Deno.permissions.querySync(descriptor).state !== "granted"
  );
  if (missing.length === 0) {
    return pass(
      "permissions",
      `all ${needed.length} permissions this configuration needs are granted`,
    );
  }
  const flags = [...new Set(missing.map(allowFlagFor))];
  return fail(
    "permissions",
    `this process lacks ${flags.join(" ")}`,
    `add ${flags.join(" ")} to the deno run (or deno install) command`,
  );
}
