// A writer's DocFX repository (the trimmed real fixture), built with no
// kbsite.yml by `kbsite build` in its folder, read from disk: home →
// docset → article, then an old address that a redirect sends on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, openPage, repoRoot } from './browser.mjs';

let root, browser;
before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-docfx-'));
  fs.cpSync(path.join(repoRoot, 'tests', 'fixtures', 'docfx-repo'), root, { recursive: true });
  const bin = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
  const run = spawnSync(bin, ['build'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^DocFX repository: 8 docsets, \d+ articles$/m);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(path.join(root, 'public', rel)).href;

test('home → docset → article, from disk', async () => {
  const { page, context, problems } = await openPage(browser, url('index.html'));
  // The home page lists the docsets by name.
  await page.getByRole('link', { name: 'Microsoft 365 Apps', exact: true }).click();
  await page.waitForURL((u) => u.href.endsWith('/office/troubleshoot/index.html'));
  // The docset's hub page: its cards lead to the docset's landing pages.
  await page.getByRole('link', { name: 'From the Office Experts', exact: true }).click();
  await page.waitForURL((u) => u.href.endsWith('/office/troubleshoot/office-experts-welcome/index.html'));
  await page.locator('main a[href*="reset-office-365-proplus-activation-state"]').first().click();
  await page.waitForURL((u) => u.href.endsWith('/office/troubleshoot/activation/reset-office-365-proplus-activation-state/index.html'));
  const title = await page.locator('h1').first().innerText();
  assert.match(title, /activation/i);
  // Breadcrumbs: home, the docset, then the toc's way down.
  const crumbs = await page.locator('.kb-breadcrumbs a').allInnerTexts();
  assert.equal(crumbs[1], 'Microsoft 365 Apps');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an old address sends the reader to its new page', async () => {
  const old = 'microsoft-365/troubleshoot/activation/reset-office-365-proplus-activation-state/index.html';
  const { page, context, problems } = await openPage(browser, url(old));
  await page.waitForURL((u) => u.href.endsWith('/office/troubleshoot/activation/reset-office-365-proplus-activation-state/index.html'));
  await page.locator('h1').first().waitFor();
  assert.match(await page.locator('h1').first().innerText(), /activation/i);
  assert.deepEqual(problems, []);
  await context.close();
});
