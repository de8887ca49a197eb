import assert from "node:assert/strict";
import { parseFlagsFast } from "../../cli/fast_args.ts";
import {
  CLEAN_FLAGS,
  type FlagSpec,
  GET_TOKEN_FLAGS,
  type ParsedFlags,
  ROOT_FLAGS,
  SETUP_FLAGS,
} from "../../cli/flags.ts";
import { CommandLineError } from "../../cli/errors.ts";
import { parseCommandLine, runProgram } from "../../cli/program.ts";
import { VERSION } from "../../cli/version.ts";

/** Parses with the CLI library, recording the command instead of running it. */
async function parseWithLibrary(args: string[]): Promise<{ command: string; flags: ParsedFlags }> {
  let recorded: { command: string; flags: ParsedFlags } | undefined;
  await parseCommandLine(args, (command, flags) => {
    recorded = { command: command.name, flags };
    return Promise.resolve();
  });
  assert.ok(recorded, "no command ran");
  return recorded;
}

const ISSUER = "--oidc-issuer-url=https://issuer.example";
const CLIENT = "--oidc-client-id=kubernetes";
/** What {@link ISSUER} and {@link CLIENT} parse to; every `get-token` line needs both. */
const REQUIRED = { "oidc-issuer-url": "https://issuer.example", "oidc-client-id": "kubernetes" };

/**
 * Command lines the fast parser must accept (after {@link ISSUER} and {@link CLIENT}), with what
 * both parsers must produce besides {@link REQUIRED}.
 */
const ACCEPTED: [string[], Record<string, unknown>][] = [
  [[], {}],
  [["--oidc-issuer-url", "https://i", "--oidc-client-id", "c"], {
    "oidc-issuer-url": "https://i",
    "oidc-client-id": "c",
  }],
  [["-v1"], { v: 1 }],
  [["-v=2"], { v: 2 }],
  [["-v", "3"], { v: 3 }],
  [["--v=4"], { v: 4 }],
  [["--skip-open-browser"], { "skip-open-browser": true }],
  [["--skip-open-browser=false"], { "skip-open-browser": false }],
  [["--oidc-extra-scope=email,profile", "--oidc-extra-scope=groups"], {
    "oidc-extra-scope": ["email", "profile", "groups"],
  }],
  [["--certificate-authority=/a,b.pem", "--certificate-authority=/c.pem"], {
    "certificate-authority": ["/a,b.pem", "/c.pem"],
  }],
  [["--oidc-request-header=X-A=1", "--oidc-request-header=X-B=2,X-C=a=b"], {
    "oidc-request-header": { "X-A": "1", "X-B": "2", "X-C": "a=b" },
  }],
  [["--oidc-auth-request-extra-params=audience=api"], {
    "oidc-auth-request-extra-params": { audience: "api" },
  }],
  [["--listen-address=127.0.0.1:0", "--authentication-timeout-sec=5"], {
    "listen-address": ["127.0.0.1:0"],
    "authentication-timeout-sec": 5,
  }],
  [["--grant-type=device-code", "--token-cache-storage=none"], {
    "grant-type": "device-code",
    "token-cache-storage": "none",
  }],
  [["--oidc-pkce-method=S256", "--oidc-use-access-token", "--force-refresh"], {
    "oidc-pkce-method": "S256",
    "oidc-use-access-token": true,
    "force-refresh": true,
  }],
  [["--tls-renegotiation-once"], { "tls-renegotiation-once": true }],
  // pflag's key=value flags: one `=` makes one pair, commas and all; quotes protect commas.
  [["--oidc-auth-request-extra-params=acr_values=urn:a,urn:b"], {
    "oidc-auth-request-extra-params": { acr_values: "urn:a,urn:b" },
  }],
  [['--oidc-request-header="Origin=localhost"'], {
    "oidc-request-header": { Origin: "localhost" },
  }],
  [['--oidc-request-header="X-A=1,2",X-B=3'], {
    "oidc-request-header": { "X-A": "1,2", "X-B": "3" },
  }],
  [['--oidc-extra-scope="a,b",c'], { "oidc-extra-scope": ["a,b", "c"] }],
  // Flags of older kubelogin releases, still in kubeconfigs.
  [["--listen-port=8000", "--listen-port", "18000,28000"], {
    "listen-port": [8000, 18000, 28000],
  }],
  [["--oidc-redirect-url-hostname=127.0.0.1"], { "oidc-redirect-url-hostname": "127.0.0.1" }],
  [["--oidc-redirect-url-authcode-keyboard=urn:ietf:wg:oauth:2.0:oob"], {
    "oidc-redirect-url-authcode-keyboard": "urn:ietf:wg:oauth:2.0:oob",
  }],
  [["--force-keyring"], { "force-keyring": true }],
  [["--no-keyring"], { "no-keyring": true }],
  [["--oidc-use-pkce"], { "oidc-use-pkce": true }],
  // klog's flags, which every kubelogin command inherits.
  [[
    "--logtostderr=false",
    "--alsologtostderr",
    "--log_dir=/tmp/logs",
    "--log_file=/tmp/log",
    "--log_file_max_size=10",
    "--vmodule=get_token=2",
    "--stderrthreshold=INFO",
    "--skip_headers",
    "--skip_log_headers=true",
    "--one_output",
    "--add_dir_header",
    "--log_backtrace_at=main.go:1",
    "--legacy_stderr_threshold_behavior=false",
  ], {
    logtostderr: false,
    alsologtostderr: true,
    log_dir: "/tmp/logs",
    log_file: "/tmp/log",
    log_file_max_size: 10,
    vmodule: "get_token=2",
    stderrthreshold: "INFO",
    skip_headers: true,
    skip_log_headers: true,
    one_output: true,
    add_dir_header: true,
    log_backtrace_at: "main.go:1",
    legacy_stderr_threshold_behavior: false,
  }],
];

Deno.test("the fast parser and the CLI library agree on kubectl's command lines", async (t) => {
  for (const [args, expected] of ACCEPTED) {
    await t.step(args.join(" "), async () => {
      const line = [ISSUER, CLIENT, ...args];
      const fast = parseFlagsFast(line, GET_TOKEN_FLAGS);
      assert.ok(fast, "the fast parser declined");
      assert.deepEqual(Object.fromEntries(fast), { ...REQUIRED, ...expected });
      const library = await parseWithLibrary(["get-token", ...line]);
      assert.equal(library.command, "get-token");
      assert.deepEqual(Object.fromEntries(library.flags), { ...REQUIRED, ...expected });
    });
  }
});

/** Command lines the fast parser leaves to the CLI library, and the library's error. */
const DECLINED: [string[], RegExp][] = [
  [["--bogus"], /unknown option '--bogus'/],
  [["--help"], /^$/],
  [["extra"], /too many arguments/],
  [["--oidc-issuer-url"], /argument missing/],
  [["--grant-type=magic"], /invalid value "magic" for --grant-type/],
  [["--authentication-timeout-sec=soon"], /expected an integer/],
  [["--oidc-request-header=novalue"], /expected key=value/],
  [["--skip-open-browser=maybe"], /expected true or false/],
  [["-oidc-issuer-url=x"], /unknown option/],
  [[CLIENT], /^required flag --oidc-issuer-url is not set$/],
  [[ISSUER, "--oidc-client-id="], /^required flag --oidc-client-id is not set$/],
  [[ISSUER, CLIENT, "--listen-port=http"], /invalid value "http" for --listen-port/],
  [[ISSUER, CLIENT, '--oidc-extra-scope=a"b'], /misplaced double quote/],
  [[ISSUER, CLIENT, "--oidc-request-header="], /expected key=value/],
];

Deno.test("the fast parser declines what it does not understand; the library reports it", async (t) => {
  for (const [args, error] of DECLINED) {
    await t.step(args.join(" "), async () => {
      assert.equal(parseFlagsFast(args, GET_TOKEN_FLAGS), undefined);
      if (args[0] === "--help") return;
      await assert.rejects(() => runProgram(["get-token", ...args]), (e: unknown) => {
        assert.ok(e instanceof CommandLineError, String(e));
        assert.equal(e.command, "get-token");
        assert.match(e.message, error);
        return true;
      });
    });
  }
});

type PflagKind = "string" | "bool" | "int" | "intSlice" | "stringSlice" | "stringArray" | "map";

/** int128/kubelogin's flags (pflag kinds; stringToString is `map`), by where it declares them. */
const KUBELOGIN = {
  provider: [
    ["oidc-issuer-url", "string"],
    ["oidc-client-id", "string"],
    ["oidc-client-secret", "string"],
    ["oidc-redirect-url", "string"],
    ["oidc-extra-scope", "stringSlice"],
    ["oidc-use-access-token", "bool"],
    ["oidc-request-header", "map"],
  ],
  tokenCache: [["token-cache-dir", "string"], ["token-cache-storage", "string"]],
  // In development builds before 1.32 only, replaced by --token-cache-storage.
  keyring: [["force-keyring", "bool"], ["no-keyring", "bool"]],
  tls: [
    ["certificate-authority", "stringArray"],
    ["certificate-authority-data", "stringArray"],
    ["insecure-skip-tls-verify", "bool"],
    ["tls-renegotiation-once", "bool"],
    ["tls-renegotiation-freely", "bool"],
  ],
  pkce: [["oidc-use-pkce", "bool"], ["oidc-pkce-method", "string"]],
  authentication: [
    ["grant-type", "string"],
    ["listen-address", "stringSlice"],
    ["skip-open-browser", "bool"],
    ["browser-command", "string"],
    ["authentication-timeout-sec", "int"],
    ["local-server-cert", "string"],
    ["local-server-key", "string"],
    ["open-url-after-authentication", "string"],
    ["oidc-auth-request-extra-params", "map"],
    ["username", "string"],
    ["password", "string"],
    // Removed by kubelogin 1.31.1 and 1.35.0, still in kubeconfigs.
    ["listen-port", "intSlice"],
    ["oidc-redirect-url-hostname", "string"],
    ["oidc-redirect-url-authcode-keyboard", "string"],
  ],
  klog: [
    ["v", "int"],
    ["add_dir_header", "bool"],
    ["alsologtostderr", "bool"],
    ["legacy_stderr_threshold_behavior", "bool"],
    ["log_backtrace_at", "string"],
    ["log_dir", "string"],
    ["log_file", "string"],
    ["log_file_max_size", "int"],
    ["logtostderr", "bool"],
    ["one_output", "bool"],
    ["skip_headers", "bool"],
    ["skip_log_headers", "bool"],
    ["stderrthreshold", "string"],
    ["vmodule", "string"],
  ],
} satisfies Record<string, [string, PflagKind][]>;

/** kubelogin's commands and their flags. */
const KUBELOGIN_COMMANDS: [string, readonly FlagSpec[], [string, PflagKind][]][] = [
  ["get-token", GET_TOKEN_FLAGS, [
    ...KUBELOGIN.provider,
    ["force-refresh", "bool"],
    ...KUBELOGIN.tokenCache,
    ...KUBELOGIN.keyring,
    ...KUBELOGIN.tls,
    ...KUBELOGIN.pkce,
    ...KUBELOGIN.authentication,
    ...KUBELOGIN.klog,
  ]],
  ["setup", SETUP_FLAGS, [
    ...KUBELOGIN.provider,
    ...KUBELOGIN.tls,
    ...KUBELOGIN.pkce,
    ...KUBELOGIN.authentication,
    ...KUBELOGIN.klog,
  ]],
  ["clean", CLEAN_FLAGS, [["token-cache-dir", "string"], ...KUBELOGIN.klog]],
  ["", ROOT_FLAGS, [
    ["kubeconfig", "string"],
    ["context", "string"],
    ["user", "string"],
    ...KUBELOGIN.tls,
    ...KUBELOGIN.authentication,
    ...KUBELOGIN.klog,
  ]],
];

/** A value the flag accepts, as a command-line word. */
function sampleArgument(spec: FlagSpec): string {
  switch (spec.kind) {
    case "bool":
      return `--${spec.name}`;
    case "int":
    case "intSlice":
      return `--${spec.name}=1`;
    case "map":
      return `--${spec.name}=key=value`;
    default:
      return `--${spec.name}=${spec.choices?.[0] ?? (spec.url ? "https://value" : "value")}`;
  }
}

Deno.test("every flag of kubelogin's commands is accepted, with pflag's kind", async (t) => {
  for (const [command, specs, flags] of KUBELOGIN_COMMANDS) {
    await t.step(command || "(standalone)", async () => {
      for (const [name, kind] of flags) {
        const spec = specs.find((candidate) => candidate.name === name);
        assert.ok(spec, `--${name} is missing`);
        assert.equal(spec.kind, kind, `--${name}`);
        const required = command === "get-token" ? [ISSUER, CLIENT] : [];
        const args = [...required, sampleArgument(spec)];
        const parsed = await parseWithLibrary([command, ...args].filter(Boolean));
        assert.equal(parsed.command, command);
        assert.ok(parsed.flags.has(name), `--${name} was not parsed`);
        if (command === "get-token") {
          assert.ok(parseFlagsFast(args, specs)?.has(name), `fast parser: --${name}`);
        }
      }
    });
  }
});

Deno.test("flags kept only for compatibility stay out of help", () => {
  const documented = (name: string) => GET_TOKEN_FLAGS.find((spec) => spec.name === name)?.hidden;
  for (const name of ["listen-port", "oidc-redirect-url-hostname", "force-keyring", "log_dir"]) {
    assert.equal(documented(name), true, name);
  }
  for (const name of ["oidc-redirect-url", "listen-address", "token-cache-storage", "v"]) {
    assert.equal(documented(name), undefined, name);
  }
});

Deno.test("flag errors carry the command for the usage hint", async () => {
  await assert.rejects(() => runProgram(["clean", "--nope"]), (e: unknown) => {
    assert.ok(e instanceof CommandLineError);
    assert.equal(e.command, "clean");
    return true;
  });
});

Deno.test("the version matches deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
});
