/**
 * Typed errors raised by the library. The CLI layer (`cli/errors.ts`) is the only place that turns
 * them into words on stderr and an exit code; library code never prints.
 *
 * No error field ever holds a token, refresh token, client secret, password or authorization
 * code: error objects end up in logs.
 *
 * @module
 */

/** Base class of every error this library raises on purpose. */
export class KubeloginError extends Error {
  /**
   * Creates the error.
   *
   * @param message what went wrong, free of secrets
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag or option value that cannot be used (unknown enum value, bad `key=value`, ...). */
export class UsageError extends KubeloginError {}

/**
 * An OAuth 2.0 / OIDC error answered by the identity provider (RFC 6749 section 5.2), carrying the
 * provider's `error` code so callers branch on it rather than on message text.
 */
export class OidcError extends KubeloginError {
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
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;
  /** Creates the error; `options.status` is the HTTP status, when an answer arrived. */
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
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
  readonly code = "ERR_DISCOVERY";
  /** The discovery URL that was fetched. */
  readonly url: string;

  /** @param cause the transport or HTTP failure */
  constructor(url: string, cause: ProviderError) {
    super(cause.message, { cause, status: cause.status });
    this.url = url;
  }
}

/** A token failed verification (signature, issuer, audience, expiry, nonce, algorithm). */
export class TokenVerificationError extends KubeloginError {}

/** The browser login did not complete: state mismatch, provider redirected an error, timeout. */
export class AuthenticationError extends KubeloginError {}

/** No `--listen-address` of the authcode grant could be bound; says which process holds them. */
export class ListenAddressBusyError extends AuthenticationError {
  /** Stable code for callers to branch on. */
  readonly code = "ERR_LISTEN_ADDRESS_BUSY";
}

/** The token cache could not be read, written or locked. */
export class CacheError extends KubeloginError {}

/**
 * A cache or key file or directory that others could write or plant: group- or world-writable,
 * owned by another user, a symlink or a FIFO where a regular file belongs, or a key file others
 * could read. The message says how to fix it.
 */
export class InsecureCacheError extends CacheError {
  /** Stable code for callers to branch on. */
  readonly code = "ERR_INSECURE_CACHE";
}

/** The OS keyring could not be reached or refused an operation. */
export class KeyringError extends KubeloginError {}

/**
 * The token cache directory cannot be created or written (a file in the way, no permission, a
 * read-only file system). Names the directory and the flags that choose another or none.
 */
export class CacheDirectoryError extends CacheError {
  /** Stable code for callers to branch on. */
  readonly code = "ERR_CACHE_DIRECTORY";
  /** The cache directory that could not be used. */
  readonly directory: string;

  /** @param reason the operating system's words, e.g. "Not a directory: mkdir '…'" */
  constructor(directory: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot use the token cache directory ${directory}: ${reason}; choose another with ` +
        "--token-cache-dir, or cache nothing with --token-cache-storage=none",
      options,
    );
    this.directory = directory;
  }
}

/** Deno denied an operation; names the `--allow-…` flag that would grant it. */
export class PermissionError extends KubeloginError {
  /** The flag to add, e.g. `--allow-read=/home/me/.kube/cache`. */
  readonly flag: string;
  /**
   * Creates the error.
   *
   * @param what what the program was about to do ("read the token cache")
   * @param flag the `--allow-…` flag that grants it
   */
  constructor(what: string, flag: string, options?: ErrorOptions) {
    super(`permission denied: ${what}; run with ${flag}`, options);
    this.flag = flag;
  }
}

/** Interactive input was needed but is not available (no TTY, kubectl said non-interactive). */
export class NotInteractiveError extends KubeloginError {}

/** `doctor` found problems; each was reported on its own line before this error. */
export class CheckFailedError extends KubeloginError {
  /** Stable identifier for scripts and tests. */
  readonly code = "CHECK_FAILED";
}

/**
 * Refreshing the token failed for a reason that may pass (the provider unreachable, slow, or
 * answering 5xx): the cached entry and its refresh token are kept for the next try. The original
 * error is the `cause`.
 */
export class RefreshFailedError extends ProviderError {
  /** Stable identifier of this failure. */
  readonly code = "refresh_failed";
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
