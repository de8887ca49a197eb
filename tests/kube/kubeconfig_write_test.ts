/**
 * The kubeconfig writer picks the file the real kubectl picks: each scenario is played twice, by
 * `kubectl config set-credentials` and by `writeKubeconfig`, on identical copies of the files.
 */

import assert from "node:assert/strict";
import { writeKubeconfig } from "../../lib/kube/kubeconfig_write.ts";

const HOLDS_USER = "apiVersion: v1\nkind: Config\nusers:\n- name: oidc\n  user:\n    token: old\n";
const OTHER = "apiVersion: v1\nkind: Config\nusers:\n- name: other\n  user:\n    token: x\n";

/** Which of the files exist after the write, and which hold the user `oidc`. */
async function outcome(dir: string, names: readonly string[]): Promise<string[]> {
  const states: string[] = [];
  for (const name of names) {
    const text = await Deno.readTextFile(`${dir}/${name}`).catch(() => undefined);
    states.push(
      `${name}:${text === undefined ? "absent" : /name: oidc/.test(text) ? "user" : "-"}`,
    );
  }
  return states;
}

async function scenario(files: Record<string, string | undefined>): Promise<void> {
  const names = Object.keys(files);
  const root = await Deno.makeTempDir({ prefix: "kubeconfig-write-" });
  try {
    for (const side of ["kubectl", "ours"]) {
      await Deno.mkdir(`${root}/${side}`);
      for (const [name, text] of Object.entries(files)) {
        if (text !== undefined) await Deno.writeTextFile(`${root}/${side}/${name}`, text);
      }
    }
    const kubectl = await new Deno.Command("kubectl", {
      args: ["config", "set-credentials", "oidc", "--exec-command=kubectl"],
      env: { KUBECONFIG: names.map((name) => `${root}/kubectl/${name}`).join(":") },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(kubectl.code, 0, new TextDecoder().decode(kubectl.stderr));
    await writeKubeconfig({
      files: names.map((name) => `${root}/ours/${name}`),
      explicit: false,
      userName: "oidc",
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "kubectl",
        args: [],
        interactiveMode: "Never",
      },
    });
    assert.deepEqual(await outcome(`${root}/ours`, names), await outcome(`${root}/kubectl`, names));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("kubeconfig write: the file kubectl would write", async (t) => {
  await t.step(
    "no file exists: the last of KUBECONFIG",
    () => scenario({ a: undefined, b: undefined }),
  );
  await t.step("one file: that file", () => scenario({ a: undefined }));
  await t.step(
    "the first file that exists",
    () => scenario({ a: undefined, b: OTHER, c: undefined }),
  );
  await t.step("the file holding the user", () => scenario({ a: OTHER, b: HOLDS_USER }));
});
