// Real-browser smoke test: build the demo site, open it from file:// in
// headless Chromium, walk home -> section -> KB 841696 like a reader would,
// and run axe-core on the main page types.
// Run: cargo build && cd tests/e2e && npm ci && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { buildSite, launch } from './browser.mjs';

// axe.min.js is injected as page script text, so file:// pages need no server.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const SECTION = 'support/windows-server/high-availability/index.html';
const KB841696 = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html';

let outDir, browser, context;

before(async () => {
  outDir = buildSite();
  browser = await launch();
  // Light scheme pinned so the header colour we check is the light-mode one.
  context = await browser.newContext({ colorScheme: 'light' });
  context.setDefaultTimeout(10_000); // fail fast rather than after 30 s per step
});

after(async () => {
  await browser?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(path.join(outDir, rel)).href;

// A new page that records everything that would show up as a broken page to
// a reader: requests that failed (missing CSS, bad relative links to assets)
// and script errors.
async function openPage() {
  const page = await context.newPage();
  const problems = [];
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { page, problems };
}

test('home -> section -> KB 841696 -> back', async () => {
  const { page, problems } = await openPage();
  await page.goto(url('index.html'));

  // "Browse by section" card; the article links on the home page end in
  // <slug>/index.html, so only the section link matches this suffix.
  await page.locator('a[href$="high-availability/index.html"]').click();
  await page.waitForURL(/high-availability\/index\.html$/);

  await page.getByRole('link', { name: 'Third-party storage solutions support policy', exact: true }).click();
  await page.waitForURL(/3rd-party-storage-software-solutions-support\/index\.html$/);
  assert.match(page.url(), /3rd-party-storage-software-solutions-support\/index\.html$/);

  const h1 = page.locator('h1');
  assert.ok(await h1.isVisible(), 'article <h1> is visible');
  assert.match(await h1.innerText(), /third-party storage/i);

  // The stylesheet is linked relatively (../../../../style.css); if that path
  // were wrong the header would keep the browser's transparent default.
  const headerBg = await page.locator('.kb-header').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(headerBg, 'rgb(15, 61, 102)', 'style.css applied to .kb-header');

  // The article's two "> [!NOTE]" blocks render as note callouts.
  const notes = page.locator('.kb-alert-note');
  assert.equal(await notes.count(), 2, 'two NOTE callouts');
  assert.ok(await notes.first().isVisible(), 'first NOTE callout is visible');
  const titles = (await notes.locator('.kb-alert-title').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(titles, ['Note', 'Note']);

  const kbNumber = page.locator('dl.kb-meta div', { has: page.locator('dt', { hasText: 'KB number' }) }).locator('dd');
  assert.ok(await kbNumber.isVisible(), 'KB number is shown in the meta block');
  assert.equal((await kbNumber.innerText()).trim(), '841696');

  await page.goBack();
  assert.match(page.url(), /high-availability\/index\.html$/, 'Back returns to the section page');

  assert.deepEqual(problems, [], 'no failed requests or console errors');
  await page.close();
});

// One axe run per page type: home, section listing, article.
for (const [name, rel] of [['home', 'index.html'], ['section', SECTION], ['KB 841696 article', KB841696]]) {
  test(`axe: no serious or critical violations on ${name} page`, async () => {
    const { page, problems } = await openPage();
    await page.goto(url(rel));
    // Check the page's own loads before axe runs: axe then fetches style.css
    // itself by XHR, which Chromium blocks on file://, hence preload: false.
    assert.deepEqual(problems, [], 'no failed requests or console errors');
    await page.addScriptTag({ content: axeSource });
    const { violations } = await page.evaluate(() => globalThis.axe.run(document, { preload: false }));
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    // Spell out rule, impact and first offending element so a failure says what to fix.
    const report = bad
      .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} node(s), first: ${v.nodes[0]?.target.join(' ')}`)
      .join('\n  ');
    assert.equal(bad.length, 0, `axe violations on ${rel}:\n  ${report}`);
    await page.close();
  });
}
