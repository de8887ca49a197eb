/**
 * A fetch-based user agent that logs in at the test provider the way a browser would: it keeps
 * cookies, follows redirects one by one, and submits the login, consent and device forms. It
 * starts from the URL the plugin prints (`http://localhost:PORT`) and ends at the plugin's
 * local server.
 *
 * @module
 */

import type { TestUser } from "./test_idp.ts";

/** Where a login ended. */
export interface LoginOutcome {
  /** The last URL fetched (the plugin's callback, normally). */
  finalUrl: string;
  status: number;
  body: string;
}

/** Options of {@link UserAgent.login}. */
export interface LoginOptions {
  /** Changes the callback URL before it is fetched (a state mismatch attack). */
  tamperCallback?: (url: URL) => URL;
  /** Stops at the redirect to this origin and returns its URL without fetching it. */
  stopAtOrigin?: string;
}

const MAX_REDIRECTS = 20;

/** A cookie-keeping, form-submitting HTTP client. */
export class UserAgent {
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

  async #fetch(url: string, init: RequestInit = {}): Promise<Response> {
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
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const equals = pair.indexOf("=");
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      const hostJar = this.#cookies.get(target.host) ?? new Map<string, string>();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(cookie)) hostJar.delete(name);
      else hostJar.set(name, value);
      this.#cookies.set(target.host, hostJar);
    }
    return response;
  }

  /**
   * Follows redirects from `url`, stopping before a URL whose origin is `stopAtOrigin`.
   *
   * @returns the final response's URL, status and body, or the stop URL with status 0
   */
  async navigate(
    url: string,
    init: RequestInit = {},
    options: LoginOptions = {},
  ): Promise<LoginOutcome> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      if (options.stopAtOrigin && new URL(current).origin === options.stopAtOrigin && hop > 0) {
        return { finalUrl: current, status: 0, body: "" };
      }
      const response = await this.#fetch(current, request);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        let next = new URL(location, current);
        if (options.tamperCallback && isLoopbackCallback(next)) next = options.tamperCallback(next);
        current = next.toString();
        request = {};
        continue;
      }
      return { finalUrl: current, status: response.status, body: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the first form of a page with its hidden fields plus `fields`. */
  submitForm(
    page: LoginOutcome,
    fields: Record<string, string>,
    options: LoginOptions = {},
    formIndex = 0,
  ): Promise<LoginOutcome> {
    const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
    const form = forms[formIndex];
    if (!form) throw new Error(`no form on ${page.finalUrl}:\n${page.body.slice(0, 500)}`);
    const action = /action="([^"]*)"/.exec(form[1])?.[1] ?? page.finalUrl;
    const body = new URLSearchParams();
    for (const input of form[2].matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input[1])?.[1];
      const value = /value="([^"]*)"/.exec(input[1])?.[1] ?? "";
      if (name && /type="hidden"/.test(input[1])) body.set(name, decodeHtml(value));
    }
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return this.navigate(new URL(decodeHtml(action), page.finalUrl).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    }, options);
  }

  /**
   * Logs in from a URL (the plugin's printed URL, or an authorization URL): submits the login
   * form, then the consent form, then lets the provider redirect to the callback.
   */
  async login(startUrl: string, user: TestUser, options: LoginOptions = {}): Promise<LoginOutcome> {
    let page = await this.navigate(startUrl, {}, options);
    for (let step = 0; step < 4; step++) {
      if (page.status === 0) return page;
      if (page.body.includes('name="login"')) {
        page = await this.submitForm(
          page,
          { login: user.username, password: user.password },
          options,
        );
      } else if (page.body.includes("<h1>Authorize</h1>")) {
        page = await this.submitForm(page, {}, options);
      } else {
        return page;
      }
    }
    return page;
  }

  /**
   * Approves (or denies) a device login at the verification URL, logging in first when the
   * provider asks.
   */
  async completeDeviceLogin(
    verificationUri: string,
    userCode: string,
    user: TestUser,
    approve = true,
  ): Promise<LoginOutcome> {
    let page = await this.navigate(verificationUri);
    page = await this.submitForm(page, { user_code: userCode });
    for (let step = 0; step < 5; step++) {
      if (page.body.includes('name="login"')) {
        page = await this.submitForm(page, { login: user.username, password: user.password });
      } else if (page.body.includes("<h1>Authorize</h1>")) {
        page = await this.submitForm(page, {});
      } else if (page.body.includes("<h1>Confirm device</h1>")) {
        page = await this.submitForm(page, approve ? {} : { abort: "yes" });
      } else {
        return page;
      }
    }
    return page;
  }
}

function isLoopbackCallback(url: URL): boolean {
  return (url.hostname === "localhost" || url.hostname === "127.0.0.1") &&
    (url.searchParams.has("code") || url.searchParams.has("error"));
}

function decodeHtml(text: string): string {
  return text.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#x2F;", "/")
    .replaceAll("&#47;", "/");
}
