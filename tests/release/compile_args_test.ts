/**
 * The compile task's command line and the permissions it bakes into each binary: with an issuer,
 * the grants of README's install line; without, the broad set docs/release.md describes.
 */

import assert from "node:assert/strict";
import {
  compileCommand,
  ENTRY,
  parseCompileArgs,
  permissionFlags,
  TARGETS,
} from "../../release/compile_args.ts";
import { UsageError } from "../../lib/errors.ts";

const LINUX = { os: "linux" as const, home: "/home/alice" };
const [LINUX_X64, LINUX_ARM64, MAC_X64, MAC_ARM64, WINDOWS] = TARGETS;

Deno.test("compile: five targets by default, as krew labels them", () => {
  const options = parseCompileArgs([], LINUX);
  assert.deepEqual(
    options.targets.map((t) => `${t.triple} ${t.os}/${t.arch}`),
    [
      "x86_64-unknown-linux-gnu linux/amd64",
      "aarch64-unknown-linux-gnu linux/arm64",
      "x86_64-apple-darwin darwin/amd64",
      "aarch64-apple-darwin darwin/arm64",
      "x86_64-pc-windows-msvc windows/amd64",
    ],
  );
  assert.equal(options.outDir, "dist");
  assert.equal(options.issuer, undefined);
});

Deno.test("compile --issuer: the install line's grants, scoped to the issuer and the home", () => {
  const options = parseCompileArgs(
    ["--issuer", "https://auth.example.com/realms/x", "--target=x86_64-unknown-linux-gnu"],
    LINUX,
  );
  assert.deepEqual(options.targets, [LINUX_X64]);
  assert.deepEqual(permissionFlags(options, LINUX_X64), [
    "--allow-net=auth.example.com,127.0.0.1,localhost,[::1]",
    "--allow-read=/home/alice/.kube/cache,/home/alice/.config/together-kubelogin",
    "--allow-write=/home/alice/.kube/cache,/home/alice/.config/together-kubelogin",
    "--allow-env=HOME,KUBECACHEDIR,XDG_CONFIG_HOME,KUBERNETES_EXEC_INFO,OIDC_CLIENT_SECRET," +
    "BROWSER,DISPLAY,WAYLAND_DISPLAY,SSH_CONNECTION",
    "--allow-run=xdg-open",
  ]);
  const command = compileCommand(options, LINUX_X64, "/out/kubectl-together_login");
  assert.deepEqual(command.slice(0, 2), ["compile", "--no-prompt"]);
  assert.deepEqual(command.slice(-5), [
    "--target",
    "x86_64-unknown-linux-gnu",
    "--output",
    "/out/kubectl-together_login",
    ENTRY,
  ]);
  // No grant that the narrow binary does not name.
  assert.ok(!command.some((word) => /^--allow-[a-z]+$/.test(word) || word === "-A"));
});

Deno.test("compile --issuer: per-OS homes, openers and environment", () => {
  const options = parseCompileArgs(
    [
      "--issuer=https://auth.example.com:8443",
      "--allow-host=login.example.net",
      "--home=darwin=/Users/alice",
      "--home",
      "windows=C:\\Users\\alice",
    ],
    LINUX,
  );
  assert.deepEqual(options.homes, {
    linux: "/home/alice",
    darwin: "/Users/alice",
    windows: "C:\\Users\\alice",
  });
  const mac = permissionFlags(options, MAC_ARM64);
  assert.equal(mac[0], "--allow-net=auth.example.com,login.example.net,127.0.0.1,localhost,[::1]");
  assert.equal(
    mac[1],
    "--allow-read=/Users/alice/.kube/cache,/Users/alice/.config/together-kubelogin",
  );
  assert.equal(mac.at(-1), "--allow-run=open");
  const windows = permissionFlags(options, WINDOWS);
  assert.equal(
    windows[2],
    "--allow-write=C:\\Users\\alice\\.kube\\cache,C:\\Users\\alice\\AppData\\Roaming\\together-kubelogin",
  );
  assert.equal(
    windows[3],
    "--allow-env=USERPROFILE,KUBECACHEDIR,APPDATA,KUBERNETES_EXEC_INFO,OIDC_CLIENT_SECRET," +
      "BROWSER,DISPLAY,WAYLAND_DISPLAY,SSH_CONNECTION",
  );
  assert.equal(windows.at(-1), "--allow-run=rundll32");
  assert.deepEqual(permissionFlags(options, LINUX_ARM64).at(-1), "--allow-run=xdg-open");
  assert.deepEqual(permissionFlags(options, MAC_X64), mac);
});

Deno.test("compile --issuer: a chosen browser opener, or none", () => {
  const target = ["--target", "x86_64-unknown-linux-gnu"];
  const custom = parseCompileArgs(
    ["--issuer=https://a.example", "--browser=/opt/b", ...target],
    LINUX,
  );
  assert.equal(permissionFlags(custom, LINUX_X64).at(-1), "--allow-run=/opt/b");
  const none = parseCompileArgs(["--issuer=https://a.example", "--no-browser", ...target], LINUX);
  assert.ok(!permissionFlags(none, LINUX_X64).some((flag) => flag.startsWith("--allow-run")));
});

Deno.test("compile without --issuer: the broad binary", () => {
  const options = parseCompileArgs(["--target", "aarch64-apple-darwin"], LINUX);
  assert.deepEqual(permissionFlags(options, MAC_ARM64), [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env=HOME,KUBECACHEDIR,XDG_CONFIG_HOME,KUBERNETES_EXEC_INFO,OIDC_CLIENT_SECRET," +
    "BROWSER,DISPLAY,WAYLAND_DISPLAY,SSH_CONNECTION,USERPROFILE,APPDATA,KUBECONFIG",
    "--allow-run",
    "--allow-ffi",
  ]);
});

Deno.test("compile: bad arguments are one-line usage errors", () => {
  const cases: [string[], RegExp][] = [
    [["--issuer", "http://auth.example.com"], /must be an https URL/],
    [["--issuer", "not a url"], /is not a URL/],
    [["--issuer"], /--issuer needs a value/],
    [["--target", "riscv64-linux"], /unknown --target "riscv64-linux": expected one of x86_64/],
    [["--home", "relative/dir", "--issuer=https://a.example"], /must be an absolute path/],
    [["--frobnicate"], /unknown argument "--frobnicate"; usage: deno task compile/],
    [["--home", "/home/bob"], /narrow a binary built with --issuer/],
    // The builder's home fits Linux only: the other systems' homes must be given.
    [["--issuer=https://a.example"], /--home darwin=DIR is needed for x86_64-apple-darwin/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCompileArgs(args, LINUX), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, message);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }
  // Loopback issuers may be plain http (a local test provider).
  assert.equal(
    parseCompileArgs(["--issuer=http://127.0.0.1:5556", "--home=/h"], LINUX).issuer?.hostname,
    "127.0.0.1",
  );
});

Deno.test("deno task compile with a bad argument: one line, exit code 1, nothing built", async () => {
  const out = await Deno.makeTempDir({ prefix: "compile-args-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile", "--issuer=http://auth.example.com", `--out=${out}`],
      cwd: new URL("../../", import.meta.url).pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 1);
    assert.equal(new TextDecoder().decode(stdout), "");
    const lines = new TextDecoder().decode(stderr).trimEnd().split("\n");
    assert.equal(
      lines.at(-1),
      'error: --issuer "http://auth.example.com" must be an https URL',
    );
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
