// Shared helpers for the real-browser tests: build the demo site, start Chromium.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

// tests/e2e/ -> repo root, so the tests work from any working directory.
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Debian's chromium package. playwright-core never downloads a browser, and
// this machine cannot fetch one, so we always point it at the system binary.
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      // Running as root in a container: Chromium's sandbox can't start there.
      '--no-sandbox',
      '--disable-gpu',
      // Keep the browser from talking to Google services: the test must see
      // only the requests the site itself makes.
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

// The kbsite binary the tests run: KBSITE_BIN when set (e.g. a release
// build in CI), else the debug build.
function kbsite(args) {
  const bin = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
  if (!fs.existsSync(bin)) {
    throw new Error(`kbsite binary not found at ${bin}: run \`cargo build\` first or set KBSITE_BIN`);
  }
  const run = spawnSync(bin, args, { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`kbsite ${args.join(' ')} exited with ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
  }
}

// Builds the bundled demo content (content/ + kbsite.yml at the repo root)
// into outDir, or into a fresh temp dir when outDir is omitted. Returns the
// output folder.
export function buildSite(outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-e2e-'))) {
  kbsite(['build', '--root', repoRoot, '--output', outDir]);
  return outDir;
}

// Builds the site folder `root` (its kbsite.yml and content/) into
// root/public, which it returns.
export function buildRoot(root) {
  kbsite(['build', '--root', root]);
  return path.join(root, 'public');
}

// A site in a fresh temp folder made of `files` ({ 'content/a.md': text }),
// built; returns its folder (remove it when done).
export function makeSite(prefix, files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  buildRoot(root);
  return root;
}

// A fresh page (its own context, light colour scheme, 10 s timeouts) that
// records what a reader would see as broken: failed requests and script
// errors. Returns { page, context, problems }.
export async function openPage(browser, url, { javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ javaScriptEnabled, colorScheme: 'light' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, context, problems };
}

// Decision trees: the one node of tree `tree` that is showing (fails unless
// exactly one is), and clicking an answer of it. The script shows the next
// node on `hashchange`, after the click returns: `answerTree` waits for the
// node to change before it returns.
export async function treeNode(page, tree) {
  const visible = page.locator(`[data-kb-tree="${tree}"] .kb-tree-node:visible`);
  assert.equal(await visible.count(), 1, 'exactly one node is visible');
  return {
    node: await visible.getAttribute('data-kb-node'),
    outcome: await visible.getAttribute('data-kb-outcome'),
    locator: visible,
  };
}

export async function answerTree(page, tree, label) {
  const current = await treeNode(page, tree);
  await current.locator.getByRole('link', { name: label, exact: true }).click();
  await page.waitForFunction(
    ([id, before]) => [...document.querySelectorAll(`[data-kb-tree="${id}"] .kb-tree-node`)]
      .some((n) => n.checkVisibility() && n.getAttribute('data-kb-node') !== before),
    [tree, current.node],
  );
}
