import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const BINARY = `${ROOT}dist/kubectl-together_login`;

/** Runs `deno task compile` once; `deno compile` downloads `denort`, which may be unreachable. */
async function compile(): Promise<{ ok: boolean; reason: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "compile"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  if (code === 0) return { ok: true, reason: "" };
  if (/dl\.deno\.land|denort/.test(text)) {
    return { ok: false, reason: "deno compile cannot download denort from dl.deno.land here" };
  }
  throw new Error(`deno task compile failed:\n${text}`);
}

const result = await compile();

Deno.test({
  name: `deno task compile builds kubectl-together_login${
    result.ok ? "" : ` (skipped: ${result.reason})`
  }`,
  ignore: !result.ok,
  async fn() {
    const version = await new Deno.Command(BINARY, { args: ["--version"] }).output();
    assert.equal(version.code, 0);
    const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
    assert.equal(new TextDecoder().decode(version.stdout).trim(), config.version);
    // kubectl finds the binary by its name on PATH.
    const viaKubectl = await new Deno.Command("kubectl", {
      args: ["together-login", "--version"],
      env: { PATH: `${ROOT}dist:${Deno.env.get("PATH")}` },
    }).output();
    assert.equal(viaKubectl.code, 0, new TextDecoder().decode(viaKubectl.stderr));
    assert.equal(new TextDecoder().decode(viaKubectl.stdout).trim(), config.version);
  },
});
