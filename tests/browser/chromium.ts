// Debian's Chromium driven by playwright-core (`npx playwright install` cannot download browsers here).
// Without a browser, browser tests skip loudly outside CI and fail under CI=true.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export const chromiumPath = CANDIDATES.find((path): path is string => !!path && existsSync(path));

export const INSTALL_HINT =
  'No Chromium found, so the browser tests are SKIPPED. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) ' +
  'or point CHROMIUM_PATH at a Chrome/Chromium binary. Under CI=true a missing browser fails the run.';

if (!chromiumPath) {
  if (process.env.CI === 'true')
    throw new Error(INSTALL_HINT.replace('so the browser tests are SKIPPED', 'and CI=true requires the browser tests'));
  console.warn(`\n*** ${INSTALL_HINT}\n`);
}

/** A headless Chromium with a fresh profile (playwright makes and removes a temporary one). */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
