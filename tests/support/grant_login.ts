/**
 * Helpers of the in-process grant tests (tests/oidc/*_test.ts): a logger that collects what the
 * library tells the user, a fake person at the terminal, login options and ID-token checks.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Prompter } from "../../lib/interaction.ts";
import { decodeJwtClaims } from "../../lib/jwt.ts";
import type { Logger } from "../../lib/log.ts";
import type { GrantType, LoginOptions } from "../../lib/login_options.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import { PUBLIC_CLIENT_ID } from "./idp.ts";

/** Why the library may not prompt in these tests. */
export const NOT_INTERACTIVE = "kubectl runs the plugin without stdin (test)";

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collects what the library tells the user. */
export class TestLogger implements Logger {
  /** The info lines, in order. */
  readonly infos: string[] = [];
  /** The debug lines, in order. */
  readonly debugs: string[] = [];

  info(message: string): void {
    this.infos.push(message);
  }

  debug(message: string): void {
    this.debugs.push(message);
  }

  /** Waits for an info message matching `pattern` and returns the match. */
  async waitForInfo(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const message of this.infos) {
        const match = message.match(pattern);
        if (match) return match;
      }
      if (Date.now() > deadline) {
        throw new Error(`no message matches ${pattern}: ${JSON.stringify(this.infos)}`);
      }
      await delay(20);
    }
  }
}

/** The person at the terminal: answers each prompt with `answer`, and records the prompts. */
export class FakePrompter implements Prompter {
  /** The prompts read with echo. */
  readonly lines: string[] = [];
  /** The prompts read without echo. */
  readonly secrets: string[] = [];
  readonly #answer: (prompt: string) => string | Promise<string>;

  constructor(answer: (prompt: string) => string | Promise<string>) {
    this.#answer = answer;
  }

  async readLine(prompt: string): Promise<string> {
    this.lines.push(prompt);
    return await this.#answer(prompt);
  }

  async readSecret(prompt: string): Promise<string> {
    this.secrets.push(prompt);
    return await this.#answer(prompt);
  }
}

/** Login options for `grantType` on a loopback port 0, without a browser, with `overrides`. */
export function loginOptions(
  grantType: GrantType,
  overrides: Partial<LoginOptions> = {},
): LoginOptions {
  return {
    grantType,
    listenAddresses: ["127.0.0.1:0"],
    skipOpenBrowser: true,
    authenticationTimeoutSec: 30,
    authRequestExtraParams: {},
    ...overrides,
  };
}

/** Asserts that `token` is an ID token about `username` for `clientId`, and `tokenSet` is sane. */
export function assertIdToken(
  tokenSet: TokenSet,
  username: string,
  clientId = PUBLIC_CLIENT_ID,
): void {
  const claims = decodeJwtClaims(tokenSet.token);
  assert.ok(claims, "the credential is a JWT");
  assert.equal(claims.sub, username);
  assert.equal(claims.aud, clientId);
  assert.equal(tokenSet.expiresAt, (claims.exp as number) * 1000);
  assert.ok(tokenSet.expiresAt > Date.now());
}

/** Runs `fn` and returns what it threw, failing when it did not throw. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

/** Waits until `done()` holds, polling every `everyMs`; fails after `timeoutMs`. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await delay(everyMs);
  }
}
