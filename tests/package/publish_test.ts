/**
 * The JSR package: `deno publish --dry-run` passes without a warning and ships the library, the
 * CLI, the README, the docs and the license, never the tests, the benchmark or the lockfile; the
 * API documentation of mod.ts is complete (`deno doc --lint`).
 */

import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;

async function deno(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test("publish: the dry run is clean and ships only the package", async () => {
  // --allow-dirty: the check is about the package, not about uncommitted work.
  const { code, output } = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /warning/i, output);
  const files = [...output.matchAll(/^\s*(file:\/\/\S+) \(/gm)]
    .map((match) => new URL(match[1]).pathname.slice(ROOT.length));
  for (
    const required of [
      "mod.ts",
      "plugin.ts",
      "plugin_bundle.js",
      "plugin_bundle_keyring.js",
      "LICENSE",
      "README.md",
      "deno.json",
    ]
  ) {
    assert.ok(files.includes(required), `${required} is not published: ${files.join(", ")}`);
  }
  assert.ok(files.includes("lib/cache/encrypted_file.ts"), output);
  assert.ok(files.includes("docs/usage.md"), output);
  for (const file of files) {
    assert.doesNotMatch(file, /^(tests|bench|\.ci)\/|^deno\.lock$/, `${file} is published`);
  }
});

Deno.test("publish: deno doc --lint mod.ts finds nothing", async () => {
  const { code, output } = await deno(["doc", "--lint", "mod.ts"]);
  assert.equal(code, 0, output);
});

Deno.test("publish: the license is Apache-2.0, as kubelogin's", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.equal(config.license, "Apache-2.0");
  assert.match(await Deno.readTextFile(`${ROOT}LICENSE`), /Apache License\s+Version 2\.0/);
});
