/**
 * A fetch-based user agent that signs in at the test provider the way a person with a browser
 * would: it keeps cookies, follows redirects one at a time, and fills in the login, consent and
 * device forms. It starts from the URL the plugin prints (`http://localhost:PORT`) or an
 * authorization URL, and ends at the plugin's loopback server, or stops just before it.
 *
 * It reads forms by their fields, not their looks: a login form has a `password` input, a
 * consent form posts to `…/consent`, a device confirmation form carries `confirm`, a user code
 * form a `user_code`. Actions are resolved against the page, so relative URLs work.
 *
 * @example
 * ```ts
 * using agent = new UserAgent();
 * const outcome = await agent.login(await plugin.loginUrl(), ALICE);
 * ```
 *
 * @module
 */

/** Who signs in; `consent: false` presses Deny on the consent page. */
export interface Credentials {
  username: string;
  password: string;
  /** Whether to grant consent (default true). */
  consent?: boolean;
}

/** Where a sign-in ended. */
export interface LoginOutcome {
  /** The last URL fetched, or the callback URL when stopped before it (status 0). */
  finalUrl: string;
  /** The last status; 0 when stopped before fetching `finalUrl`. */
  status: number;
  body: string;
  /** The authorization code, when the outcome shows one (stopped callback, out-of-band page). */
  code?: string;
}

/** Options of {@link UserAgent.login}. */
export interface LoginOptions {
  /** Changes the callback URL before it is fetched (a state mismatch attack). */
  tamperCallback?: (url: URL) => URL;
  /** Stops at the redirect to the loopback callback and returns its URL without fetching it. */
  stopAtCallback?: boolean;
  /** Stops at the first redirect to this origin and returns its URL without fetching it. */
  stopAtOrigin?: string;
}

/** A form on a page: where it goes and what it would send. */
export interface HtmlForm {
  action: string;
  method: string;
  /** Inputs with their current values (buttons excluded). */
  fields: [string, string][];
  /** The `type` of each named input (lower case; `text` when absent). */
  types: Record<string, string>;
  /** The raw HTML inside the form. */
  html: string;
}

/** The device flow entry point: `verification_uri_complete`, or the URI and the code to type. */
export type DeviceTarget = string | { verificationUri: string; userCode: string };

const MAX_REDIRECTS = 20;
const MAX_STEPS = 8;
const OOB_PREFIX = "urn:ietf:wg:oauth:2.0:oob";
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A cookie-keeping, form-submitting HTTP client. */
export class UserAgent implements Disposable {
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly #client?: Deno.HttpClient;
  /** URLs fetched, in order. */
  readonly history: string[] = [];

  /** @param caCerts extra CA certificates (PEM) to trust, for a provider behind HTTPS */
  constructor(caCerts: string[] = []) {
    if (caCerts.length > 0) this.#client = Deno.createHttpClient({ caCerts });
  }

  /** Releases the HTTP client. */
  close(): void {
    this.#client?.close();
  }

  /** Same as {@link UserAgent.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    this.history.push(url);
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const jar = this.#cookies.get(target.host);
    if (jar && jar.size > 0) {
      headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(url, {
      ...init,
      headers,
      redirect: "manual",
      ...(this.#client ? { client: this.#client } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) this.#store(target.host, cookie);
    return response;
  }

  #store(host: string, setCookie: string): void {
    const [pair] = setCookie.split(";");
    const equals = pair.indexOf("=");
    if (equals < 0) return;
    const name = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    const jar = this.#cookies.get(host) ?? new Map<string, string>();
    const expired = /;\s*max-age=0/i.test(setCookie) || /expires=[^;]*1970/i.test(setCookie);
    if (value === "" || expired) jar.delete(name);
    else jar.set(name, value);
    this.#cookies.set(host, jar);
  }

  /**
   * Fetches `url` and follows redirects.
   *
   * @returns the final response's URL, status and body; or, when stopped before a redirect
   *   target (see {@link LoginOptions}), that URL with status 0 and the code it carries
   */
  async navigate(
    url: string,
    init: RequestInit = {},
    options: LoginOptions = {},
  ): Promise<LoginOutcome> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const response = await this.#fetch(current, request);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) {
        const body = await response.text();
        return withCode({ finalUrl: current, status: response.status, body });
      }
      await response.body?.cancel();
      let next = new URL(location, current);
      if (location.startsWith(OOB_PREFIX)) {
        return withCode({ finalUrl: location, status: 0, body: "" });
      }
      if (isCallback(next)) {
        if (options.tamperCallback) next = options.tamperCallback(next);
        if (options.stopAtCallback) return withCode({ finalUrl: next.href, status: 0, body: "" });
      }
      if (options.stopAtOrigin !== undefined && next.origin === options.stopAtOrigin) {
        return withCode({ finalUrl: next.href, status: 0, body: "" });
      }
      current = next.href;
      request = {};
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Submits a form of a page with its current values, `fields` overriding or adding.
   *
   * @param form the form, or its index on the page (default the first)
   */
  submitForm(
    page: LoginOutcome,
    fields: Record<string, string>,
    options: LoginOptions = {},
    form: HtmlForm | number = 0,
  ): Promise<LoginOutcome> {
    const chosen = typeof form === "number" ? parseForms(page.body)[form] : form;
    if (!chosen) throw new Error(`no form on ${page.finalUrl}:\n${page.body.slice(0, 500)}`);
    const body = new URLSearchParams(chosen.fields);
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    const action = new URL(chosen.action || page.finalUrl, page.finalUrl);
    if (chosen.method === "get") {
      action.search = body.toString();
      return this.navigate(action.href, {}, options);
    }
    return this.navigate(action.href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    }, options);
  }

  /**
   * Signs in from a URL (the plugin's printed URL, or an authorization URL): submits the login
   * form, then the consent form, then follows the provider's redirect to the callback and
   * fetches it, unless told to stop before.
   *
   * A wrong password ends at the login page again (status 401). An out-of-band redirect ends
   * at the provider's code page, with the code in {@link LoginOutcome.code}.
   */
  async login(
    startUrl: string,
    credentials: Credentials,
    options: LoginOptions = {},
  ): Promise<LoginOutcome> {
    let page = await this.navigate(startUrl, {}, options);
    let loggedIn = false;
    for (let step = 0; step < MAX_STEPS && page.status !== 0; step++) {
      const forms = parseForms(page.body);
      const loginForm = forms.find(isLoginForm);
      const consentForm = forms.find(isConsentForm);
      if (loginForm && !loggedIn) {
        loggedIn = true;
        const fields = credentialFields(loginForm, credentials);
        page = await this.submitForm(page, fields, options, loginForm);
      } else if (consentForm) {
        const decision = credentials.consent === false ? "deny" : "authorize";
        page = await this.submitForm(page, { decision }, options, consentForm);
      } else {
        break;
      }
    }
    return page;
  }

  /**
   * Does the person's part of the device flow: opens the verification page, enters the user
   * code (unless the URL carries it), confirms or denies, signs in and consents.
   *
   * @param approve false presses Deny on the confirmation page
   * @returns the last page: "Device approved", or the code page again after a denial or a
   *   wrong or expired code
   */
  async approveDevice(
    target: DeviceTarget,
    credentials: Credentials,
    approve = true,
  ): Promise<LoginOutcome> {
    const start = typeof target === "string" ? target : target.verificationUri;
    let page = await this.navigate(start);
    let codeEntered = false;
    let loggedIn = false;
    for (let step = 0; step < MAX_STEPS; step++) {
      const forms = parseForms(page.body);
      const confirmForm = forms.find((form) => hasField(form, "confirm"));
      const loginForm = forms.find(isLoginForm);
      const consentForm = forms.find(isConsentForm);
      const codeForm = forms.find((form) => hasField(form, "user_code"));
      if (confirmForm) {
        page = await this.submitForm(page, approve ? {} : { abort: "yes" }, {}, confirmForm);
        if (!approve) return page;
      } else if (loginForm && !loggedIn) {
        loggedIn = true;
        const fields = credentialFields(loginForm, credentials);
        page = await this.submitForm(page, fields, {}, loginForm);
      } else if (consentForm) {
        const decision = credentials.consent === false ? "deny" : "authorize";
        page = await this.submitForm(page, { decision }, {}, consentForm);
      } else if (codeForm && !codeEntered) {
        codeEntered = true;
        const fields: Record<string, string> = typeof target === "string"
          ? {}
          : { user_code: target.userCode };
        page = await this.submitForm(page, fields, {}, codeForm);
      } else {
        break;
      }
    }
    return page;
  }

  /** The device flow with separate arguments; see {@link UserAgent.approveDevice}. */
  completeDeviceLogin(
    verificationUri: string,
    userCode: string,
    credentials: Credentials,
    approve = true,
  ): Promise<LoginOutcome> {
    return this.approveDevice({ verificationUri, userCode }, credentials, approve);
  }
}

/** The forms of an HTML page, with the values their inputs would send. */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const fields: [string, string][] = [];
    const types: Record<string, string> = {};
    for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = attribute(input[1], "name");
      const type = (attribute(input[1], "type") ?? "text").toLowerCase();
      if (name === undefined || ["submit", "button", "image", "reset", "file"].includes(type)) {
        continue;
      }
      types[name] ??= type;
      if ((type === "checkbox" || type === "radio") && !/\bchecked\b/i.test(input[1])) continue;
      fields.push([name, attribute(input[1], "value") ?? ""]);
    }
    forms.push({
      action: attribute(match[1], "action") ?? "",
      method: (attribute(match[1], "method") ?? "get").toLowerCase(),
      fields,
      types,
      html: match[2],
    });
  }
  return forms;
}

function attribute(tag: string, name: string): string | undefined {
  const pattern = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i");
  const match = pattern.exec(tag);
  if (!match) return undefined;
  return decodeHtml(match[1] ?? match[2] ?? match[3]);
}

function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? "";
  });
}

function hasField(form: HtmlForm, name: string): boolean {
  return form.fields.some(([field]) => field === name);
}

function isLoginForm(form: HtmlForm): boolean {
  return Object.values(form.types).includes("password");
}

/**
 * The login form's fields filled in. The username field is found by type, not by one name
 * (`login` at the test provider, `user` at LemonLDAP::NG, `username` at Keycloak): the first
 * text or email input of the form that holds the password input.
 */
function credentialFields(form: HtmlForm, credentials: Credentials): Record<string, string> {
  const names = Object.keys(form.types);
  const password = names.find((name) => form.types[name] === "password")!;
  const username = names.find((name) => ["text", "email"].includes(form.types[name]));
  return {
    ...(username ? { [username]: credentials.username } : {}),
    [password]: credentials.password,
  };
}

function isConsentForm(form: HtmlForm): boolean {
  return /\/consent\/?$/.test(form.action);
}

/** A redirect to a loopback address carrying an authorization response. */
function isCallback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) &&
    (url.searchParams.has("code") || url.searchParams.has("error"));
}

/** Adds the code an outcome shows: in a stopped-at URL, or on an out-of-band code page. */
function withCode(outcome: LoginOutcome): LoginOutcome {
  if (outcome.status === 0) {
    const code = new URL(outcome.finalUrl).searchParams.get("code");
    return code === null ? outcome : { ...outcome, code };
  }
  const shown = /<code\b[^>]*\bid="oob-code"[^>]*>([^<]*)<\/code>/.exec(outcome.body);
  return shown ? { ...outcome, code: decodeHtml(shown[1]) } : outcome;
}
