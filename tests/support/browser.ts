/**
 * Debian's Chromium, driven over CDP by playwright-core (no browser download): the browser a
 * person would use to log in at the identity provider. Headless for tests; the demo shows it on
 * the display when there is one.
 *
 * @module
 */

import { type Browser, chromium, type Locator, type Page } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Other places a Chromium-based browser is found (other distributions, macOS). */
const OTHER_CHROMIUM_PATHS = [
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/**
 * Flags for a sandboxed machine with no network but loopback: without the background-networking
 * switches Chromium keeps trying to reach Google's hosts.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive: `$CHROMIUM_PATH` when set, else Debian's, else another known install;
 * `undefined` when there is none.
 */
export async function findChromium(): Promise<string | undefined> {
  const override = Deno.env.get("CHROMIUM_PATH");
  if (override) return await isFile(override) ? override : undefined;
  for (const path of [CHROMIUM_PATH, ...OTHER_CHROMIUM_PATHS]) {
    if (await isFile(path)) return path;
  }
  return undefined;
}

/** Whether Chromium is installed, with the reason when it is not. */
export async function chromiumAvailability(): Promise<{ ok: boolean; reason?: string }> {
  if (await findChromium()) return { ok: true };
  const override = Deno.env.get("CHROMIUM_PATH");
  return {
    ok: false,
    reason: override
      ? `CHROMIUM_PATH=${override} is not a file`
      : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`,
  };
}

/** Options of {@link TestBrowser.launch}. */
export interface LaunchOptions {
  /** Show the window (needs a display); headless by default. */
  headless?: boolean;
  /** Milliseconds between actions, so a person can follow them on a shown window. */
  slowMo?: number;
}

/** A screenshot kept in memory until a failure asks for it. */
interface Screenshot {
  label: string;
  png: Uint8Array;
}

/** Credentials typed into the provider's login form. */
export interface Credentials {
  username: string;
  password: string;
}

/** A Chromium driven by playwright-core; closing it ends the process. */
export class TestBrowser implements AsyncDisposable {
  readonly #browser: Browser;
  readonly #screenshots: Screenshot[] = [];
  /** Directory where failure screenshots go. */
  readonly artifactsDir: string;

  private constructor(browser: Browser, artifactsDir: string) {
    this.#browser = browser;
    this.artifactsDir = artifactsDir;
  }

  /**
   * Launches Chromium.
   *
   * @throws {Error} when no Chromium is installed (see {@link findChromium})
   */
  static async launch(artifactsDir: string, options: LaunchOptions = {}): Promise<TestBrowser> {
    const executablePath = await findChromium();
    if (!executablePath) throw new Error((await chromiumAvailability()).reason);
    const browser = await chromium.launch({
      executablePath,
      headless: options.headless ?? true,
      slowMo: options.slowMo,
      args: CHROMIUM_ARGS,
    });
    return new TestBrowser(browser, artifactsDir);
  }

  /**
   * Opens a URL in a fresh context (no cookies from earlier logins), and runs the steps. On
   * failure a screenshot named after `label` is saved in the artifacts directory at once.
   */
  async visit<T>(url: string, label: string, steps: (page: Page) => Promise<T>): Promise<T> {
    const context = await this.#browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(url);
      return await steps(page);
    } catch (error) {
      const path = await this.#save(
        label,
        await page.screenshot({ fullPage: true }).catch(() => {}),
      );
      throw new Error(`${label} failed (screenshot ${path}): ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await context.close();
    }
  }

  /**
   * Logs in from `url` (the plugin's local URL, or a device verification URL): fills the login
   * form and presses the first button of every other form (consent, device confirmation) until a
   * page's text matches `done`. The login page and the final page are kept as screenshots for
   * {@link TestBrowser.saveScreenshots}.
   *
   * @returns the text of the final page
   */
  login(url: string, label: string, credentials: Credentials, done: RegExp): Promise<string> {
    return this.visit(
      url,
      label,
      (page) =>
        fillLoginForms(page, credentials, done, async (step) => {
          const png = await page.screenshot({ fullPage: true }).catch(() => undefined);
          if (png) this.#screenshots.push({ label: `${label}-${step}`, png });
        }),
    );
  }

  /**
   * Writes the screenshots {@link TestBrowser.login} kept into the artifacts directory, for a
   * test that failed after its logins did not.
   *
   * @returns the paths written
   */
  async saveScreenshots(): Promise<string[]> {
    const paths: string[] = [];
    for (const { label, png } of this.#screenshots.splice(0)) {
      const path = await this.#save(label, png);
      if (path) paths.push(path);
    }
    return paths;
  }

  async #save(label: string, png: Uint8Array | void): Promise<string | undefined> {
    if (!png) return undefined;
    await Deno.mkdir(this.artifactsDir, { recursive: true });
    const path = `${this.artifactsDir}/${label.replace(/\W+/g, "-")}-${Date.now()}.png`;
    await Deno.writeFile(path, png);
    return path;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#browser.close();
  }
}

/**
 * A username field, found by its autocomplete hint or its type rather than by one name (`login`
 * at the test provider, `user` at LemonLDAP::NG, `username` at Keycloak, `loginfmt` at Entra).
 * A text input named like a code is a device user-code field, not a username.
 */
const USERNAME_FIELDS = [
  "input[autocomplete=username]",
  "input[type=email]",
  "input[type=text]:not([name*=code i])",
  "input:not([type]):not([name*=code i])",
].join(", ");

/** How long the whole login may take, redirects included. */
const LOGIN_TIMEOUT_MS = 20_000;

/** The page's text, or `undefined` while it is navigating (or after it closed itself). */
async function pageText(page: Page): Promise<string | undefined> {
  if (page.isClosed()) return undefined;
  return await page.locator("body").innerText({ timeout: 2_000 }).catch(() => undefined);
}

/** Clicks a submit button and waits for the navigation it starts. */
async function clickAndWait(page: Page, button: Locator): Promise<void> {
  await Promise.all([
    page.waitForNavigation({ timeout: 10_000 }).catch(() => {}),
    button.click(),
  ]);
}

/**
 * Does a person's part of a login in the browser: on a page with a password field, types the
 * credentials and submits; on a page with only a username field (providers that ask for the
 * identifier first), types the username and submits; on any other page with a form (consent,
 * device confirmation), presses its first button (Authorize, Approve, Continue); then waits for a
 * page whose text matches `done`. `onStep` is told `"login"` when the password is filled in and
 * `"done"` at the end.
 *
 * @returns the text of the final page
 */
export async function fillLoginForms(
  page: Page,
  credentials: Credentials,
  done: RegExp,
  onStep: (step: "login" | "done") => Promise<void> = () => Promise.resolve(),
): Promise<string> {
  const deadline = Date.now() + LOGIN_TIMEOUT_MS;
  let usernameTyped = false;
  let loggedIn = false;
  let lastAction = "";
  while (Date.now() < deadline) {
    await page.waitForLoadState("load").catch(() => {});
    const text = await pageText(page);
    if (text !== undefined && done.test(text)) {
      await onStep("done");
      return text;
    }
    const password = page.locator("input[type=password]").filter({ visible: true }).first();
    // With a password on the page, the username is the one in the password's form.
    const scope = await password.count().catch(() => 0) > 0
      ? page.locator("form").filter({ has: password }).first()
      : page;
    const username = scope.locator(USERNAME_FIELDS).filter({ visible: true }).first();
    const submit = page.locator("form [type=submit], form button:not([type])").first();
    // The same page twice in a row means the last click is still navigating: wait instead.
    const here = `${page.url()}\n${text}`;
    if (text !== undefined && here !== lastAction) {
      lastAction = here;
      if (!loggedIn && await password.isVisible()) {
        loggedIn = true;
        if (await username.isVisible()) await username.fill(credentials.username);
        await password.fill(credentials.password);
        await onStep("login");
        await clickAndWait(page, submit);
        continue;
      }
      if (!loggedIn && !usernameTyped && await username.isVisible()) {
        usernameTyped = true;
        await username.fill(credentials.username);
        await clickAndWait(page, submit);
        continue;
      }
      if (await submit.count() > 0) {
        await clickAndWait(page, submit);
        continue;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the page never showed ${done}: ${page.isClosed() ? "closed" : page.url()}`);
}
