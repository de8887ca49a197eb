/**
 * Which tools a test finds (kubectl), and how a test that needs them is registered and stopped
 * at its first failing step.
 *
 * @module
 */

/** Where `kubectl` is: `$KUBECTL` when set, else the first on `PATH`. */
export async function findKubectl(): Promise<string | undefined> {
  const candidates = Deno.env.get("KUBECTL")
    ? [Deno.env.get("KUBECTL")!]
    : (Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((dir) => `${dir}/kubectl`);
  for (const path of candidates) {
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** Whether kubectl is installed and runs, with the reason when not. */
export async function kubectlAvailability(): Promise<
  { ok: true; path: string; version: string } | { ok: false; reason: string }
> {
  const path = await findKubectl();
  if (!path) {
    return {
      ok: false,
      reason: "kubectl is not on PATH (https://kubernetes.io/docs/tasks/tools/)",
    };
  }
  const output = await new Deno.Command(path, {
    args: ["version", "--client", "-o", "json"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error: Error) => error);
  if (output instanceof Error || output.code !== 0) {
    return { ok: false, reason: `${path} version --client failed` };
  }
  const version = JSON.parse(new TextDecoder().decode(output.stdout)).clientVersion?.gitVersion;
  return { ok: true, path, version: String(version) };
}

/**
 * How a test that needs tools (kubectl, Chromium) is registered: skipped with the reason in its
 * name when a tool is missing, except under `CI=true`, where it runs and fails on the reason
 * (CI installs everything, so a missing tool there is a broken setup, not a skip).
 */
export interface ToolGate {
  /** `ignore:` for `Deno.test`. */
  ignore: boolean;
  /** Appended to the test name: ` (skipped: reason)` when skipped. */
  nameSuffix: string;
  /** Throws when a tool is missing (under CI the test runs to say so). */
  assertPresent(): void;
}

/** A {@link ToolGate} from the reasons tools are missing (`undefined` for tools present). */
export function toolGate(missing: readonly (string | undefined)[]): ToolGate {
  const reasons = missing.filter((reason): reason is string => Boolean(reason));
  const skip = reasons.length > 0 && Deno.env.get("CI") !== "true";
  return {
    ignore: skip,
    nameSuffix: skip ? ` (skipped: ${reasons.join("; ")})` : "",
    assertPresent: () => {
      if (reasons.length > 0) {
        throw new Error(`CI=true, so this test must not be skipped, but ${reasons.join("; ")}`);
      }
    },
  };
}

/**
 * Steps that stop the test at the first failure (the later ones build on its state), after
 * `saveArtifacts` has written what explains it; the error names the files.
 */
export function failFastSteps(
  t: Deno.TestContext,
  saveArtifacts: () => Promise<string[]>,
): (name: string, fn: () => Promise<void>) => Promise<void> {
  return async (name, fn) => {
    if (await t.step(name, fn)) return;
    const paths = await saveArtifacts().catch((error) => [`(saving artifacts failed: ${error})`]);
    throw new Error(`step "${name}" failed; artifacts: ${paths.join(", ") || "none"}`);
  };
}
