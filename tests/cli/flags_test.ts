import assert from "node:assert/strict";
import { parseFlagsFast } from "../../cli/fast_args.ts";
import { GET_TOKEN_FLAGS, type ParsedFlags } from "../../cli/flags.ts";
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

/** Command lines the fast parser must accept, with what both parsers must produce. */
const ACCEPTED: [string[], Record<string, unknown>][] = [
  [[ISSUER, CLIENT], {
    "oidc-issuer-url": "https://issuer.example",
    "oidc-client-id": "kubernetes",
  }],
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
];

Deno.test("the fast parser and the CLI library agree on kubectl's command lines", async (t) => {
  for (const [args, expected] of ACCEPTED) {
    await t.step(args.join(" "), async () => {
      const fast = parseFlagsFast(args, GET_TOKEN_FLAGS);
      assert.ok(fast, "the fast parser declined");
      assert.deepEqual(Object.fromEntries(fast), expected);
      const library = await parseWithLibrary(["get-token", ...args]);
      assert.equal(library.command, "get-token");
      assert.deepEqual(Object.fromEntries(library.flags), expected);
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
];

Deno.test("the fast parser declines what it does not understand; the library reports it", async (t) => {
  for (const [args, error] of DECLINED) {
    await t.step(args.join(" "), async () => {
      assert.equal(parseFlagsFast(args, GET_TOKEN_FLAGS), undefined);
      if (args[0] === "--help") return;
      await assert.rejects(() => runProgram(["get-token", ...args]), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, error);
        return true;
      });
    });
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
