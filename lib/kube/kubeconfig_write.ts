/**
 * Writing an exec user (and a context) into the kubeconfig for `setup --write-kubeconfig`, by
 * kubectl's file rules: `--kubeconfig` alone when given; otherwise, of the `KUBECONFIG` list, the
 * file that already holds the entry, else the first file that exists, else the last one (as
 * `kubectl config set-credentials` does). Every other entry is kept; the old file is copied to a
 * backup first and the new one replaces it atomically. Comments are not kept, as with kubectl.
 *
 * @module
 */

import { dump } from "js-yaml";
import { UsageError } from "../errors.ts";
import { ensurePrivateDir, writeFileAtomic } from "../atomic_write.ts";
import { dirnameOf } from "../path.ts";
import { namedEntry, parseYaml, readIfPresent, type YamlMap } from "./kubeconfig.ts";

/** The `exec` section of a kubeconfig user. */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  interactiveMode: "Never" | "IfAvailable" | "Always";
}

/** What to write. */
export interface KubeconfigWrite {
  /** The candidate files: `[--kubeconfig]`, the `KUBECONFIG` list, or `[~/.kube/config]`. */
  files: readonly string[];
  /** `true` when `files` came from `--kubeconfig`: then that file, whatever it holds. */
  explicit: boolean;
  userName: string;
  exec: ExecConfig;
  /** A context for the user, when wanted. */
  context?: { name: string; cluster: string };
}

/** One file written. */
export interface WrittenFile {
  path: string;
  /** The copy of the old content; absent when the file is new. */
  backup?: string;
  /** What went into it: `user oidc`, `context dev`. */
  entries: string[];
}

/** What {@link writeKubeconfig} did. */
export interface KubeconfigWriteResult {
  files: WrittenFile[];
  /** Whether the context's cluster is defined in one of the files. */
  clusterFound?: boolean;
}

/**
 * Writes the user and the context.
 *
 * @throws {UsageError} when a file is not a kubeconfig
 */
export async function writeKubeconfig(write: KubeconfigWrite): Promise<KubeconfigWriteResult> {
  const loaded = new Map<string, { text?: string; document: YamlMap }>();
  for (const path of write.files) {
    const text = await readIfPresent(path);
    loaded.set(path, { text, document: text === undefined ? {} : parseYaml(path, text) });
  }
  const target = (list: string, name: string): string => {
    if (write.explicit) return write.files[0];
    const holder = write.files.find((path) =>
      namedEntry(loaded.get(path)!.document, list, name) !== undefined
    );
    if (holder) return holder;
    if (write.files.length === 1) return write.files[0];
    return write.files.find((path) => loaded.get(path)!.text !== undefined) ?? write.files.at(-1)!;
  };
  const changes = new Map<string, string[]>();
  const note = (path: string, entry: string) =>
    changes.set(path, [...changes.get(path) ?? [], entry]);

  const userFile = target("users", write.userName);
  setNamedEntry(loaded.get(userFile)!.document, "users", write.userName, "user", {
    exec: { ...write.exec, env: null, provideClusterInfo: false },
  });
  note(userFile, `user ${write.userName}`);
  let clusterFound: boolean | undefined;
  if (write.context) {
    const { name, cluster } = write.context;
    const contextFile = target("contexts", name);
    setNamedEntry(loaded.get(contextFile)!.document, "contexts", name, "context", {
      cluster,
      user: write.userName,
    });
    note(contextFile, `context ${name}`);
    clusterFound = write.files.some((path) =>
      namedEntry(loaded.get(path)!.document, "clusters", cluster) !== undefined
    );
  }

  const files: WrittenFile[] = [];
  for (const [path, entries] of changes) {
    const { text, document } = loaded.get(path)!;
    files.push({ path, entries, backup: await replaceFile(path, text, document) });
  }
  return { files, clusterFound };
}

/** Sets `list[name].<field>`, adding the entry (and the list) when absent; others stay as they are. */
function setNamedEntry(
  document: YamlMap,
  list: string,
  name: string,
  field: string,
  value: YamlMap,
): void {
  document.apiVersion ??= "v1";
  document.kind ??= "Config";
  if (document[list] === undefined || document[list] === null) document[list] = [];
  const entries = document[list];
  if (!Array.isArray(entries)) throw new UsageError(`"${list}" in the kubeconfig is not a list`);
  const existing = namedEntry(document, list, name);
  // The whole section is replaced: an old token or auth-provider beside `exec` would make
  // client-go refuse the user for having two ways to authenticate.
  if (existing) existing[field] = value;
  else entries.push({ name, [field]: value });
}

async function replaceFile(
  path: string,
  oldText: string | undefined,
  document: YamlMap,
): Promise<string | undefined> {
  const data = new TextEncoder().encode(dump(document, { lineWidth: -1, noRefs: true }));
  if (oldText === undefined) {
    await ensurePrivateDir(dirnameOf(path));
    await writeFileAtomic(path, data, 0o600);
    return undefined;
  }
  const mode = ((await Deno.stat(path)).mode ?? 0o600) & 0o777;
  const backup = `${path}.bak`;
  await writeFileAtomic(backup, new TextEncoder().encode(oldText), mode);
  await writeFileAtomic(path, data, mode);
  return backup;
}
