// Reading an article: the in-page contents marks the section being read as
// the reader scrolls; previous / next links lead through the folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSite, launch, openPage } from './browser.mjs';

const KB841696 = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html';

let outDir, browser;
before(async () => {
  outDir = buildSite();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(path.join(outDir, rel)).href;

test('the in-page contents follows the reader', async () => {
  const { page, context, problems } = await openPage(browser, url(KB841696));
  // A short window, so that any heading can be scrolled to the top.
  await page.setViewportSize({ width: 1000, height: 400 });
  const current = () => page.locator('.kb-toc a[aria-current="location"]').getAttribute('href');
  assert.equal(await page.locator('.kb-toc a[aria-current]').count(), 1, 'one link is current');
  const links = await page.locator('.kb-toc a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 3);
  // Scroll the tree's heading (a long section follows it) to the top: its
  // link becomes the current one.
  const third = '#is-my-configuration-supported';
  assert.ok(links.includes(third));
  await page.evaluate((id) => document.getElementById(id).scrollIntoView(), decodeURIComponent(third.slice(1)));
  await page.waitForFunction((href) => document.querySelector('.kb-toc a[aria-current]')?.getAttribute('href') === href, third);
  assert.equal(await current(), third);
  // Back to the top: the first.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction((href) => document.querySelector('.kb-toc a[aria-current]')?.getAttribute('href') === href, links[0]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('previous and next lead through the folder and back', async () => {
  const { page, context, problems } = await openPage(browser, url(KB841696));
  const title = await page.locator('h1').innerText();
  await page.locator('a[rel="prev"]').click();
  await page.waitForURL((u) => !u.href.endsWith(KB841696));
  await page.locator('a[rel="next"]').click();
  await page.waitForURL((u) => u.href.endsWith(KB841696));
  assert.equal(await page.locator('h1').innerText(), title);
  assert.deepEqual(problems, []);
  await context.close();
});
