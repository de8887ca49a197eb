/**
 * Typed errors raised by the library. The CLI layer (`cli/errors.ts`) is the only place that turns
 * them into words on stderr and an exit code; library code never prints.
 *
 * No error field ever holds a token, refresh token, client secret, password or authorization
 * code: error objects end up in logs.
 *
 * @module
 */

/** Options of every {@link KubeloginError}: the standard `cause`, and the settings involved. */
export interface KubeloginErrorOptions extends ErrorOptions {
  /** See {@link KubeloginError.settings}. */
  settings?: readonly string[];
}

/** Base class of every error this library raises on purpose. */
export class KubeloginError extends Error {
  /**
   * Stable identifier of the failure (jose's `ERR_…` convention), for callers to branch on
   * instead of the message, which may change.
   */
  readonly code: string = "ERR_KUBELOGIN";
  /**
   * The library settings the failure is about or that would fix it, each by its path in the
   * options (`provider.issuerUrl`, `login.grantType`, `cache.directory`). Where the message names
   * one, it is written in backquotes, `` `login.grantType` `` or with a value
   * `` `login.grantType: "device-code"` ``, so that a front end can put its own name for the
   * setting there: the CLI puts its flag. Messages never name CLI flags themselves.
   */
  readonly settings: readonly string[];

  /**
   * Creates the error.
   *
   * @param message what went wrong, free of secrets
   */
  constructor(message: string, options?: KubeloginErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.settings = options?.settings ?? [];
  }
}

/** A flag or option value that cannot be used (unknown enum value, bad `key=value`, ...). */
export class UsageError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_USAGE";
}

/**
 * An OAuth 2.0 / OIDC error answered by the identity provider (RFC 6749 section 5.2), carrying the
 * provider's `error` code so callers branch on it rather than on message text.
 */
export class OidcError extends KubeloginError {
  /** Stable code for callers to branch on; the provider's own code is {@link OidcError.error}. */
  override readonly code: string = "ERR_OIDC";
  /** The `error` code from the provider, e.g. `invalid_grant`. */
  readonly error: string;
  /** The provider's `error_description`, if any. */
  readonly errorDescription?: string;
  /** The HTTP status of the answer, when the error came over HTTP. */
  readonly status?: number;

  /**
   * Creates the error from the provider's answer.
   *
   * @param endpoint which exchange failed, for the message ("token request", "authorization")
   * @param error the provider's `error` code
   */
  constructor(
    endpoint: string,
    error: string,
    errorDescription?: string,
    status?: number,
  ) {
    const detail = errorDescription ? `${error}: ${errorDescription}` : error;
    super(`${endpoint} failed: ${detail}`);
    this.error = error;
    this.errorDescription = errorDescription;
    this.status = status;
  }
}

/** The provider could not be reached or answered something that is not a valid protocol answer. */
export class ProviderError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_PROVIDER";
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;
  /** Creates the error; `options.status` is the HTTP status, when an answer arrived. */
  constructor(message: string, options?: KubeloginErrorOptions & { status?: number }) {
    super(message, options);
    this.status = options?.status;
  }
}

/**
 * The discovery document could not be fetched or read. The message is the underlying failure's;
 * `url` is what was fetched, so the CLI can name it and suggest checking `--oidc-issuer-url`.
 */
export class DiscoveryError extends ProviderError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_DISCOVERY";
  /** The discovery URL that was fetched. */
  readonly url: string;

  /** @param cause the transport or HTTP failure */
  constructor(url: string, cause: ProviderError) {
    super(cause.message, { cause, status: cause.status });
    this.url = url;
  }
}

/** A token failed verification (signature, issuer, audience, expiry, nonce, algorithm). */
export class TokenVerificationError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_TOKEN_VERIFICATION";
}

/**
 * Why a login did not complete:
 * - `timeout`: `--authentication-timeout-sec` passed;
 * - `denied`: the person or the provider refused (device `access_denied`, a rejected password);
 * - `expired`: the device code expired before it was approved;
 * - `state`: a response that does not belong to this login (state or RFC 9207 issuer mismatch);
 * - `bind`: no listen address for the local server could be bound;
 * - `response`: the authorization response lacks what it must carry (no code);
 * - `input`: nothing was entered where the person was asked.
 */
export type AuthenticationFailure =
  | "timeout"
  | "denied"
  | "expired"
  | "state"
  | "bind"
  | "response"
  | "input";

/** A login did not complete; {@link AuthenticationError.reason} says why. */
export class AuthenticationError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_AUTHENTICATION";
  /** Why the login did not complete. */
  readonly reason: AuthenticationFailure;

  /**
   * Creates the error.
   *
   * @param message what went wrong, free of secrets
   * @param options `reason` says why; `cause` is the underlying error, if any
   */
  constructor(
    message: string,
    options: KubeloginErrorOptions & { reason: AuthenticationFailure },
  ) {
    super(message, options);
    this.reason = options.reason;
  }
}

/** No `--listen-address` of the authcode grant could be bound; says which process holds them. */
export class ListenAddressBusyError extends AuthenticationError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_LISTEN_ADDRESS_BUSY";

  /**
   * Creates the error; its reason is always `bind`.
   *
   * @param message which addresses, who holds them and how to avoid the clash
   */
  constructor(message: string, options?: KubeloginErrorOptions) {
    super(message, { ...options, reason: "bind" });
  }
}

/** The token cache could not be read, written or locked. */
export class CacheError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_CACHE";
}

/**
 * A cache or key file or directory that others could write or plant: group- or world-writable,
 * owned by another user, a symlink or a FIFO where a regular file belongs, or a key file others
 * could read. The message says how to fix it.
 */
export class InsecureCacheError extends CacheError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_INSECURE_CACHE";
}

/** The OS keyring could not be reached or refused an operation. */
export class KeyringError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_KEYRING";
}

/**
 * The token cache directory cannot be created or written (a file in the way, no permission, a
 * read-only file system). Names the directory; the CLI adds the flags that choose another or none.
 */
export class CacheDirectoryError extends CacheError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_CACHE_DIRECTORY";
  /** The cache directory that could not be used. */
  readonly directory: string;

  /** @param reason the operating system's words, e.g. "Not a directory: mkdir '…'" */
  constructor(directory: string, reason: string, options?: ErrorOptions) {
    super(`cannot use the token cache directory ${directory}: ${reason}`, {
      ...options,
      settings: ["cache.directory", "cache.storage"],
    });
    this.directory = directory;
  }
}

/** Deno denied an operation; names the `--allow-…` flag that would grant it. */
export class PermissionError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_PERMISSION";
  /** The flag to add, e.g. `--allow-read=/home/me/.kube/cache`. */
  readonly flag: string;
  /**
   * Creates the error.
   *
   * @param what what the program was about to do ("read the token cache")
   * @param flag the `--allow-…` flag that grants it
   */
  constructor(what: string, flag: string, options?: KubeloginErrorOptions) {
    super(`permission denied: ${what}; run with ${flag}`, options);
    this.flag = flag;
  }
}

/** Interactive input was needed but is not available (no TTY, kubectl said non-interactive). */
export class NotInteractiveError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_NOT_INTERACTIVE";
}

/** `doctor` found problems; each was reported on its own line before this error. */
export class CheckFailedError extends KubeloginError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_CHECK_FAILED";
}

/**
 * Refreshing the token failed for a reason that may pass (the provider unreachable, slow, or
 * answering 5xx): the cached entry and its refresh token are kept for the next try. The original
 * error is the `cause`.
 */
export class RefreshFailedError extends ProviderError {
  /** Stable code for callers to branch on. */
  override readonly code: string = "ERR_REFRESH_FAILED";
  /**
   * Wraps the failure of a refresh request.
   *
   * @param cause the transport or provider error of the refresh request
   */
  constructor(cause: Error & { status?: number }) {
    const message = "could not refresh the token (the refresh token is kept for the next try)";
    super(`${message}: ${cause.message}`, { cause, status: cause.status });
  }
}

/** The message of anything thrown: an `Error`'s message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
