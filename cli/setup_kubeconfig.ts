/**
 * `setup --write-kubeconfig`: writes the user (and the context) into the kubeconfig by kubectl's
 * file rules and prints the next steps. Loaded only for that flag (it pulls in the YAML library).
 *
 * @module
 */

import { UsageError } from "../lib/errors.ts";
import { EXEC_API_V1 } from "../lib/kube/exec_credential.ts";
import { writeKubeconfig } from "../lib/kube/kubeconfig_write.ts";
import type { FlagReader } from "./options.ts";
import { KUBECONFIG_USER, type KubeconfigExec, leftOutNote } from "./setup.ts";
import { shellQuote } from "./setup_text.ts";
import { kubeconfigFiles } from "./standalone.ts";

/** Where and what `setup --write-kubeconfig` writes, checked before the login. */
export interface SetupKubeconfigPlan {
  files: string[];
  explicit: boolean;
  userName: string;
  context?: { name: string; cluster: string };
  /** Whether a client secret was given (it is never written). */
  secretLeftOut: boolean;
}

/**
 * Checks the kubeconfig flags and finds the files, so that a mistake fails before the login.
 *
 * @throws {UsageError} for `--cluster` without `--context-name` or the reverse
 * @throws {PermissionError} when `KUBECONFIG` may not be read
 */
export function planSetupKubeconfig(flags: FlagReader): SetupKubeconfigPlan {
  const contextName = flags.string("context-name");
  const cluster = flags.string("cluster");
  if (Boolean(contextName) !== Boolean(cluster)) {
    throw new UsageError("--context-name and --cluster go together: the context needs both");
  }
  return {
    files: kubeconfigFiles(flags),
    explicit: flags.has("kubeconfig"),
    userName: flags.string("kubeconfig-user") ?? KUBECONFIG_USER,
    context: contextName && cluster ? { name: contextName, cluster } : undefined,
    secretLeftOut: flags.has("oidc-client-secret"),
  };
}

/** Writes the kubeconfig and returns the section of `setup`'s output that says what was done. */
export async function writeSetupKubeconfig(
  plan: SetupKubeconfigPlan,
  exec: KubeconfigExec,
): Promise<string> {
  const { userName, context } = plan;
  const result = await writeKubeconfig({
    files: plan.files,
    explicit: plan.explicit,
    userName,
    exec: {
      apiVersion: EXEC_API_V1,
      command: "kubectl",
      args: exec.args,
      interactiveMode: exec.interactiveMode,
    },
    context,
  });
  const lines = result.files.map(({ path, backup, entries }) =>
    `Wrote the ${entries.join(" and the ")} to ${path}` +
    (backup ? ` (the old file is in ${backup})` : "")
  );
  if (result.clusterFound === false) {
    lines.push(
      `No cluster ${context?.cluster} is defined yet: add it with kubectl config set-cluster ${
        shellQuote(context?.cluster ?? "")
      } --server=…`,
    );
  }
  const secretNote = plan.secretLeftOut
    ? "\nThe client secret is left out: set OIDC_CLIENT_SECRET where kubectl runs.\n"
    : "";
  const next = context
    ? [`kubectl config use-context ${shellQuote(context.name)}`, "kubectl auth whoami"]
    : [`kubectl --user=${shellQuote(userName)} auth whoami`];
  return `## The kubeconfig

${lines.join("\n")}
${secretNote}${leftOutNote(exec.leftOut)}
## Next steps

  ${next.join("\n  ")}
`;
}
