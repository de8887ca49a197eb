/**
 * Errors that say what to do, through the plugin process: bad URL flags, an unusable cache
 * directory, failed discovery, typos in commands and flags, and the help text itself. Each answer
 * is one line on stderr, exit code 1, never "unexpected …".
 */

import assert from "node:assert/strict";
import { type PluginResult, PluginSandbox } from "../support/plugin.ts";

const CLIENT = "--oidc-client-id=kubernetes";

/** Asserts a failure reported as one line that is not an "unexpected" error. */
function assertOneLineFailure(result: PluginResult, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.doesNotMatch(lines[0], /unexpected/);
  assert.match(lines[0], pattern);
}

/** A local provider answering every request with `respond`. */
function serveProvider(respond: (url: URL) => Response): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => respond(new URL(request.url)),
  );
}

Deno.test("URL flags are checked when parsed", async (t) => {
  await using sandbox = await PluginSandbox.create();
  const cases: [string, RegExp][] = [
    [
      "example.com",
      /^error: --oidc-issuer-url example\.com is not an absolute URL; give it with https:\/\/, e\.g\. https:\/\/example\.com /,
    ],
    [
      "http://example.com",
      /^error: --oidc-issuer-url http:\/\/example\.com is not an https URL; only loopback hosts \(127\.0\.0\.1, \[::1\], localhost\) may use http /,
    ],
    [
      "/realms/x",
      /^error: --oidc-issuer-url \/realms\/x is not an absolute URL; give it with https:\/\/ \(/,
    ],
  ];
  for (const [issuer, pattern] of cases) {
    await t.step(issuer, async () => {
      const result = await sandbox.run(["get-token", `--oidc-issuer-url=${issuer}`, CLIENT]);
      assertOneLineFailure(result, pattern);
      assert.match(result.stderr, /get-token --help/);
    });
  }
  await t.step("http:// on loopback is accepted", async () => {
    const result = await sandbox.run([
      "get-token",
      "--oidc-issuer-url=http://127.0.0.1:9/x",
      CLIENT,
      "--token-cache-storage=none",
    ]);
    assertOneLineFailure(result, /^error: discovery \(GET http:\/\/127\.0\.0\.1:9\/x\//);
  });
});

Deno.test("discovery failures name the URL and what to check", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await using server = serveProvider((url) =>
    url.pathname.startsWith("/slash/")
      ? Response.json({ issuer: `${url.origin}/slash/` })
      : new Response("not here", { status: 404, statusText: "Not Found" })
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const run = (issuer: string) =>
    sandbox.run(["get-token", `--oidc-issuer-url=${issuer}`, CLIENT, "--token-cache-storage=none"]);
  await t.step("a 404", async () => {
    const result = await run(`${origin}/realms`);
    assertOneLineFailure(
      result,
      new RegExp(
        `^error: discovery \\(GET ${origin}/realms/\\.well-known/openid-configuration\\) ` +
          "failed: HTTP 404 Not Found; check --oidc-issuer-url: .*trailing slash, realm path",
      ),
    );
  });
  await t.step("an issuer that differs by a trailing slash", async () => {
    const result = await run(`${origin}/slash`);
    assertOneLineFailure(result, /must match exactly \(only the trailing slash differs\)$/);
  });
});

Deno.test("a cache directory that cannot be created is named, with the way out", async () => {
  await using sandbox = await PluginSandbox.create();
  const blocker = `${sandbox.root}/a-file`;
  await Deno.writeTextFile(blocker, "");
  for (const directory of [`${blocker}/cache`, `${blocker}/cache/deeper`]) {
    const result = await sandbox.run([
      "get-token",
      "--oidc-issuer-url=http://127.0.0.1:9",
      CLIENT,
      `--token-cache-dir=${directory}`,
    ]);
    assertOneLineFailure(
      result,
      new RegExp(
        `^error: cannot use the token cache directory ${directory}: .*; choose another with ` +
          "--token-cache-dir, or cache nothing with --token-cache-storage=none$",
      ),
    );
  }
});

Deno.test("typos get the closest command or flag", async (t) => {
  await using sandbox = await PluginSandbox.create();
  await t.step("a command", async () => {
    const result = await sandbox.run(["get-tokn"]);
    assertOneLineFailure(
      result,
      /^error: unknown command "get-tokn"; did you mean get-token\? \(see 'kubectl together-login --help'\)$/,
    );
  });
  await t.step("a flag with a value", async () => {
    const result = await sandbox.run(["get-token", "--oidc-issuer=https://x.example", CLIENT]);
    assertOneLineFailure(
      result,
      /^error: unknown option '--oidc-issuer=https:\/\/x\.example'; did you mean --oidc-issuer-url\?/,
    );
  });
  await t.step("nothing close", async () => {
    const result = await sandbox.run(["frobnicate"]);
    assertOneLineFailure(result, /^error: unknown command "frobnicate" \(see/);
  });
  await t.step("help for an unknown command fails", async () => {
    const result = await sandbox.run(["help", "nosuch"]);
    assertOneLineFailure(result, /^error: unknown command "nosuch"/);
    const known = await sandbox.run(["help", "clean"]);
    assert.equal(known.code, 0, known.stderr);
  });
});

Deno.test("standalone mode on a kubeconfig without oidc explains itself", async () => {
  await using sandbox = await PluginSandbox.create();
  const path = `${sandbox.root}/kubeconfig`;
  await Deno.writeTextFile(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: c",
      "contexts: [{name: c, context: {cluster: k, user: u}}]",
      "users: [{name: u, user: {token: static}}]",
      "",
    ].join("\n"),
  );
  const result = await sandbox.run([`--kubeconfig=${path}`]);
  assertOneLineFailure(
    result,
    /no auth-provider of name oidc; with no command this program runs standalone mode.*setup.*get-token/,
  );
});

Deno.test("help: project wording, no command explained, choices, width", async (t) => {
  await using sandbox = await PluginSandbox.create();
  const root = await sandbox.run(["--help"]);
  assert.equal(root.code, 0, root.stderr);
  await t.step("what no command does", () => {
    assert.match(root.stdout.replace(/\s+/g, " "), /With no command, runs standalone mode/);
  });
  await t.step("no library wording", () => {
    assert.doesNotMatch(root.stdout, /output the version number|display help for command/);
  });
  await t.step("the choices of enumerated flags", async () => {
    const help = await sandbox.run(["get-token", "--help"]);
    assert.match(
      help.stdout.replace(/\s+/g, " "),
      /--grant-type <string> .*one of: auto, authcode, authcode-keyboard, password, device-code, client-credentials, token-exchange/,
    );
  });
  await t.step("80 columns when not on a terminal", async () => {
    for (const args of [["--help"], ["get-token", "--help"], ["setup", "--help"]]) {
      const help = await sandbox.run(args);
      const long = help.stdout.split("\n").filter((line) => line.length > 80);
      assert.deepEqual(long, [], `${args.join(" ")}: lines wider than 80 columns`);
    }
  });
  await t.step("version and --version agree", async () => {
    const command = await sandbox.run(["version"]);
    const flag = await sandbox.run(["--version"]);
    assert.equal(command.code, 0);
    assert.equal(flag.code, 0);
    assert.match(command.stdout, /^together-kubelogin version \S+ \(deno /);
    assert.equal(flag.stdout, command.stdout);
  });
});

Deno.test("help and docs/usage.md agree on the grants each flag applies to", async () => {
  await using sandbox = await PluginSandbox.create();
  const help = (await sandbox.run(["get-token", "--help"])).stdout;
  const docs = await Deno.readTextFile(new URL("../../docs/usage.md", import.meta.url));
  const grants = [
    "authcode-keyboard",
    "authcode",
    "device-code",
    "password",
    "client-credentials",
    "token-exchange",
  ];
  const mentioned = (text: string) =>
    grants.filter((grant) => new RegExp(`(^|[^-\\w])${grant}(?![-\\w])`).test(text)).sort();
  const tagged = [...help.matchAll(/^ {2}--([\w-]+) [^\n]*\n {6}\[([a-z, -]+)\]/gm)];
  assert.ok(tagged.length >= 8, `only ${tagged.length} tagged flags in the help`);
  for (const [, flag, tag] of tagged) {
    const row = docs.split("\n").find((line) => new RegExp(`^\\| [^|]*\`--${flag}\``).test(line));
    assert.ok(row, `--${flag} has no row in docs/usage.md`);
    const meaning = row.split("|").slice(2).join("|");
    assert.deepEqual(mentioned(meaning), tag.split(", ").sort(), `--${flag}`);
  }
});
