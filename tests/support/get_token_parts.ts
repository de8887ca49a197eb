/**
 * Collaborators for running the `get-token` use case in-process (`getTokenWith`): a clock the
 * test moves, a token store in memory, a browser that signs in through the {@link UserAgent}, a
 * logger that keeps its lines, and the options `get-token` builds from its flags. With them, the
 * expiry and lock scenarios run without waiting for tokens to age.
 *
 * @module
 */

import { parseFlagsFast } from "../../cli/fast_args.ts";
import { GET_TOKEN_FLAGS } from "../../cli/flags.ts";
import { FlagReader, loginOptions, providerOptions } from "../../cli/options.ts";
import type { CacheReadResult, EntryOwner } from "../../lib/cache/encrypted_file.ts";
import type { AcquireLockOptions, LockOutcome } from "../../lib/cache/lock.ts";
import type { TokenStore } from "../../lib/cache/token_store.ts";
import type { GetTokenOptions } from "../../lib/get_token.ts";
import type { Interaction } from "../../lib/interaction.ts";
import type { Logger } from "../../lib/log.ts";
import type { TokenSet } from "../../lib/token_set.ts";
import { ALICE, PUBLIC_CLIENT_ID } from "./idp.ts";
import { UserAgent } from "./user_agent.ts";

/** A clock that stands still until the test moves it. */
export class FakeClock {
  /** Milliseconds since the epoch. */
  current: number;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  /** Moves the clock forward. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** The `now` part of `getTokenWith`. */
  readonly now = (): number => this.current;
}

/** A logger that keeps what it was told. */
export interface RecordingLogger extends Logger {
  readonly infos: string[];
  readonly debugs: string[];
}

/** A logger that keeps its lines, at `-v1`. */
export function recordingLogger(): RecordingLogger {
  const infos: string[] = [];
  const debugs: string[] = [];
  return {
    infos,
    debugs,
    level: 1,
    info: (message) => infos.push(message),
    debug: (message) => debugs.push(message),
  };
}

/** An interaction whose browser signs in as Alice through the user agent. */
export interface BrowserInteraction extends Interaction {
  logger: RecordingLogger;
  /** The login pages opened, in order. */
  readonly opened: string[];
}

/**
 * The interaction of a person at a browser: every login page opened is signed into as Alice,
 * and a device-code verification page of the provider at `issuer` approved.
 */
export function browserInteraction(issuer?: string): BrowserInteraction {
  const opened: string[] = [];
  return {
    logger: recordingLogger(),
    opened,
    openLoginPage: (url) => {
      opened.push(url);
      const agent = new UserAgent();
      // A device-code verification page is the provider's own; a login page is the loopback
      // server's. The grant waits for the result; a failed sign-in shows as its timeout.
      const signIn = issuer !== undefined && url.startsWith(issuer)
        ? agent.approveDevice(url, ALICE)
        : agent.login(url, ALICE);
      signIn.catch(() => {}).finally(() => agent.close());
    },
  };
}

/**
 * `get-token`'s options for the public client of the test provider at `issuer`, with a disk cache
 * in `directory` (its data key beside it), from the same flags the plugin reads.
 */
export function getTokenOptionsFor(
  issuer: string,
  directory: string,
  ...extra: string[]
): GetTokenOptions {
  const flags = new FlagReader(
    parseFlagsFast([
      `--oidc-issuer-url=${issuer}`,
      `--oidc-client-id=${PUBLIC_CLIENT_ID}`,
      "--listen-address=127.0.0.1:0",
      "--authentication-timeout-sec=30",
      ...extra,
    ], GET_TOKEN_FLAGS)!,
  );
  return {
    provider: providerOptions(flags),
    login: loginOptions(flags),
    cache: { storage: "disk", directory, dataKeyFile: `${directory}.key` },
    forceRefresh: false,
  };
}

/**
 * A token store in memory. `onLock` plays the other processes: it runs when the lock is asked
 * for and may write entries or end the wait as a busy lock would.
 */
export class MemoryTokenStore implements TokenStore {
  readonly entries: Map<string, TokenSet> = new Map();
  /** Locks taken and released, as `lock` / `unlock`. */
  readonly events: string[] = [];
  onLock?: <T>(keyId: string, options: AcquireLockOptions<T>) => Promise<LockOutcome<T>>;

  read(keyId: string): Promise<CacheReadResult> {
    const tokenSet = this.entries.get(keyId);
    return Promise.resolve(tokenSet ? { hit: true, tokenSet } : { hit: false, reason: "absent" });
  }

  write(keyId: string, tokenSet: TokenSet, _owner: EntryOwner): Promise<void> {
    this.entries.set(keyId, tokenSet);
    return Promise.resolve();
  }

  delete(keyId: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(keyId));
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  lock<T>(keyId: string, options: AcquireLockOptions<T>): Promise<LockOutcome<T>> {
    if (this.onLock) return this.onLock(keyId, options);
    this.events.push("lock");
    return Promise.resolve({
      held: true,
      lock: {
        waited: false,
        [Symbol.asyncDispose]: () => {
          this.events.push("unlock");
          return Promise.resolve();
        },
      },
    });
  }
}
