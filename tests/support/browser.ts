/**
 * Debian's Chromium, headless, driven over CDP by playwright-core (no browser download): the
 * browser a person would use to log in at the test identity provider.
 *
 * @module
 */

import { type Browser, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

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

/** Whether Chromium is installed, with the reason when it is not. */
export async function chromiumAvailability(): Promise<{ ok: boolean; reason?: string }> {
  try {
    const info = await Deno.stat(CHROMIUM_PATH);
    return info.isFile ? { ok: true } : { ok: false, reason: `${CHROMIUM_PATH} is not a file` };
  } catch {
    return { ok: false, reason: `${CHROMIUM_PATH} is not installed (apt-get install chromium)` };
  }
}

/** A headless Chromium; closing it ends the process. */
export class TestBrowser implements AsyncDisposable {
  readonly #browser: Browser;
  /** Directory where failure screenshots go. */
  readonly artifactsDir: string;

  private constructor(browser: Browser, artifactsDir: string) {
    this.#browser = browser;
    this.artifactsDir = artifactsDir;
  }

  /** Launches Chromium. */
  static async launch(artifactsDir: string): Promise<TestBrowser> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    return new TestBrowser(browser, artifactsDir);
  }

  /**
   * Opens a URL in a fresh context (no cookies from earlier logins), and runs the steps. On
   * failure a screenshot named after `label` is saved in the artifacts directory.
   */
  async visit<T>(url: string, label: string, steps: (page: Page) => Promise<T>): Promise<T> {
    const context = await this.#browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(url);
      return await steps(page);
    } catch (error) {
      await Deno.mkdir(this.artifactsDir, { recursive: true });
      const path = `${this.artifactsDir}/${label.replace(/\W+/g, "-")}-${Date.now()}.png`;
      await page.screenshot({ path, fullPage: true }).catch(() => {});
      throw new Error(`${label} failed (screenshot ${path}): ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await context.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#browser.close();
  }
}

/** Credentials typed into the provider's login form. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Fills the test provider's login form and, when asked, its consent form, then waits for a page
 * whose text matches `done`.
 */
export async function fillLoginForms(
  page: Page,
  credentials: Credentials,
  done: RegExp,
): Promise<string> {
  await page.locator("input[name=login]").fill(credentials.username);
  await page.locator("input[name=password]").fill(credentials.password);
  await Promise.all([page.waitForLoadState("load"), page.locator("[type=submit]").first().click()]);
  for (let step = 0; step < 3; step++) {
    const text = await page.locator("body").innerText();
    if (done.test(text)) return text;
    const submit = page.locator("form [type=submit]").first();
    if (await submit.count() === 0) break;
    await Promise.all([page.waitForLoadState("load"), submit.click()]);
  }
  // Redirects may still be in flight (provider → local server): poll the page text.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const text = await page.locator("body").innerText().catch(() => "");
    if (done.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the page never showed ${done}: ${page.url()}`);
}
