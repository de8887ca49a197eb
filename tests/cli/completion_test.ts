/**
 * Shell completion: the candidates of `__complete` (computed from the flag specs), the real
 * kubectl v1.32 running the `kubectl_complete-together_login` helper for
 * `kubectl together-login <TAB>`, and the PowerShell script beside bash, zsh and fish.
 */

import assert from "node:assert/strict";
import { completeWords, COMPLETION_SHELLS } from "../../cli/complete.ts";
import type { CompletableCommand } from "../../cli/completion.ts";
import { CLEAN_FLAGS, type FlagSpec, GET_TOKEN_FLAGS, ROOT_FLAGS } from "../../cli/flags.ts";
import { TOKEN_CACHE_STORAGE_CHOICES } from "../../lib/cache/token_store.ts";
import { GRANT_TYPE_CHOICES } from "../../lib/login_options.ts";
import { kubectlAvailability, shellQuote, toolGate } from "../support/cluster.ts";
import { MOD_TS, PluginSandbox } from "../support/plugin.ts";

const HELPER = new URL("../../release/kubectl_complete-together_login", import.meta.url).pathname;
const PKCE_METHODS = ["auto", "no", "S256"];

const COMMANDS: CompletableCommand[] = [
  { name: "get-token", summary: "Get a token", flags: GET_TOKEN_FLAGS },
  { name: "clean", summary: "Delete the cache", flags: CLEAN_FLAGS },
];

/** The words of the candidates, descriptions dropped. */
function words(candidates: readonly string[]): string[] {
  return candidates.map((candidate) => candidate.split("\t")[0]);
}

Deno.test("__complete: flag values come from lib's choices", () => {
  const grant = completeWords(["get-token", "--grant-type", ""], COMMANDS, ROOT_FLAGS);
  assert.deepEqual(grant, { candidates: [...GRANT_TYPE_CHOICES], directive: 4 });
  assert.deepEqual(
    completeWords(["clean", "--token-cache-storage", "k"], COMMANDS, ROOT_FLAGS).candidates,
    TOKEN_CACHE_STORAGE_CHOICES.filter((choice) => choice.startsWith("k")),
  );
  assert.deepEqual(
    completeWords(["get-token", "--oidc-pkce-method=S"], COMMANDS, ROOT_FLAGS).candidates,
    ["--oidc-pkce-method=S256"],
  );
  // A value without choices: none offered, and the shell may complete a file name.
  assert.deepEqual(
    completeWords(["get-token", "--certificate-authority", ""], COMMANDS, ROOT_FLAGS),
    { candidates: [], directive: 0 },
  );
});

Deno.test("__complete: commands, shells, flags of the command typed", () => {
  assert.deepEqual(words(completeWords([""], COMMANDS, ROOT_FLAGS).candidates), [
    "get-token",
    "clean",
    "completion",
    "help",
    "version",
  ]);
  assert.deepEqual(completeWords(["completion", ""], COMMANDS, ROOT_FLAGS).candidates, [
    ...COMPLETION_SHELLS,
  ]);
  assert.deepEqual(completeWords(["help", "g"], COMMANDS, ROOT_FLAGS).candidates, ["get-token"]);
  // A value of a flag is not a positional word: the command still completes after it.
  assert.deepEqual(
    words(completeWords(["--kubeconfig", "x", "cl"], COMMANDS, ROOT_FLAGS).candidates),
    ["clean"],
  );
  const flags = words(completeWords(["clean", "--"], COMMANDS, ROOT_FLAGS).candidates);
  assert.deepEqual(flags, [
    ...CLEAN_FLAGS.filter((flag) => !flag.hidden).map((flag) => `--${flag.name}`),
    "--help",
  ]);
  // Compatibility flags stay out, as they do in help.
  const getToken = words(completeWords(["get-token", "--"], COMMANDS, ROOT_FLAGS).candidates);
  assert.ok(getToken.includes("--oidc-issuer-url"));
  assert.ok(!getToken.includes("--oidc-use-pkce"));
  assert.ok(!getToken.includes("--force-keyring"));
});

Deno.test("__complete: a flag added to the specs is completed with no other change", () => {
  const added: FlagSpec = {
    name: "example-added-flag",
    kind: "string",
    description: "How to show the QR code",
    choices: ["ascii", "none"],
  };
  const commands = [{ name: "status", summary: "Show", flags: [...GET_TOKEN_FLAGS, added] }];
  assert.deepEqual(words(completeWords(["status", "--example-a"], commands, []).candidates), [
    "--example-added-flag",
  ]);
  assert.deepEqual(
    completeWords(["status", "--example-added-flag", ""], commands, []).candidates,
    ["ascii", "none"],
  );
  assert.equal(words(completeWords(["st"], commands, []).candidates)[0], "status");
});

const kubectl = await kubectlAvailability();
const gate = toolGate([kubectl.ok ? undefined : kubectl.reason]);

Deno.test({
  name: `kubectl together-login <TAB> runs kubectl_complete-together_login${gate.nameSuffix}`,
  ignore: gate.ignore,
  async fn(t) {
    gate.assertPresent();
    if (!kubectl.ok) return;
    await using sandbox = await PluginSandbox.create();
    const bin = `${sandbox.root}/bin`;
    await Deno.mkdir(bin);
    // The plugin with no permission at all: completing must need none.
    await Deno.writeTextFile(
      `${bin}/kubectl-together_login`,
      `#!/bin/sh\nexec ${shellQuote(Deno.execPath())} run --no-prompt ${shellQuote(MOD_TS)} "$@"\n`,
      { mode: 0o755 },
    );
    await Deno.copyFile(HELPER, `${bin}/kubectl_complete-together_login`);
    await Deno.chmod(`${bin}/kubectl_complete-together_login`, 0o755);

    /** What kubectl's completion offers for the words after `kubectl together-login`. */
    const complete = async (...typed: string[]) => {
      const output = await new Deno.Command(kubectl.path, {
        args: ["__complete", "together-login", ...typed],
        env: { ...sandbox.env, PATH: `${bin}:${sandbox.env.PATH}` },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      const lines = stdout.split("\n").filter(Boolean);
      return { directive: lines.at(-1), words: words(lines.slice(0, -1)) };
    };

    await t.step("--grant-type", async () => {
      assert.deepEqual(await complete("--grant-type", ""), {
        directive: ":4",
        words: [...GRANT_TYPE_CHOICES],
      });
      assert.deepEqual((await complete("get-token", "--grant-type", "device")).words, [
        "device-code",
      ]);
    });
    await t.step("--token-cache-storage", async () => {
      assert.deepEqual((await complete("get-token", "--token-cache-storage", "")).words, [
        ...TOKEN_CACHE_STORAGE_CHOICES,
      ]);
    });
    await t.step("--oidc-pkce-method", async () => {
      assert.deepEqual((await complete("setup", "--oidc-pkce-method", "")).words, PKCE_METHODS);
      assert.deepEqual((await complete("setup", "--oidc-pkce-method=")).words, [
        ...PKCE_METHODS.map((method) => `--oidc-pkce-method=${method}`),
      ]);
    });
    await t.step("commands, flags and shell names", async () => {
      const commands = (await complete("")).words;
      for (const name of ["get-token", "setup", "clean", "completion", "version"]) {
        assert.ok(commands.includes(name), `${name} missing from ${commands}`);
      }
      assert.deepEqual((await complete("completion", "")).words, [...COMPLETION_SHELLS]);
      assert.deepEqual((await complete("get-token", "--oidc-issuer")).words, [
        "--oidc-issuer-url",
      ]);
    });
  },
});

Deno.test("completion powershell: a native argument completer asking __complete", async () => {
  await using sandbox = await PluginSandbox.create();
  const script = await sandbox.run(["completion", "powershell"], { permissions: ["--no-prompt"] });
  assert.equal(script.code, 0, script.stderr);
  assert.match(
    script.stdout,
    /^Register-ArgumentCompleter -Native -CommandName 'kubectl-together_login'/m,
  );
  assert.match(script.stdout, /& kubectl-together_login __complete @words/);
  const unknown = await sandbox.run(["completion", "tcsh"], { permissions: ["--no-prompt"] });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /expected bash, zsh, fish or powershell/);
});
