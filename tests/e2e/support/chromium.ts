import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download: `npx playwright install` cannot reach
 * the network here). The flags keep a headless run quiet and offline.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
