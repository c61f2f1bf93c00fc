// `kbsite serve` in a real browser: a saved edit reloads the open page and
// keeps its scroll position; a broken article shows the error overlay
// (escaped) over the last good page; fixing it clears the overlay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { launch, repoRoot } from './browser.mjs';

const ARTICLE = 'content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md';
const PAGE = '/support/windows-server/high-availability/3rd-party-storage-software-solutions-support/';

const INCLUDE = 'content/support/includes/community-solutions-content-disclaimer.md';
const INCLUDING_PAGE = '/support/windows-server/high-availability/cluster-node-already-exists-error/';

let browser;
let server;
let site;
let base;

// Starts `kbsite serve --port 0` in a copy of the demo site, as the README
// says to start it (in the site folder, no --root); resolves to the
// address it prints.
function startServer(root) {
  const bin = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
  server = spawn(bin, ['serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: server.stdout });
  return new Promise((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`kbsite serve exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /^Serving at (http:\/\/\S+)\//.exec(line);
      if (m) resolve(m[1]);
    });
  });
}

before(async () => {
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-serve-'));
  fs.cpSync(path.join(repoRoot, 'content'), path.join(site, 'content'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'kbsite.yml'), path.join(site, 'kbsite.yml'));
  fs.mkdirSync(path.join(site, 'templates'));
  fs.copyFileSync(path.join(repoRoot, 'themes/default/templates/article.html'), path.join(site, 'templates/article.html'));
  base = await startServer(site);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  fs.rmSync(site, { recursive: true, force: true });
});

async function open() {
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1000, height: 700 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await page.goto(base + PAGE);
  // The event stream is open once the server has sent the current errors.
  await page.waitForFunction(() => window.kbsiteLive === true);
  return { page, context, problems };
}

// Saves as many editors do: a new file renamed over the old one, so the
// server never reads a half-written file.
function save(file, text) {
  const staged = path.join(site, '.saving');
  fs.writeFileSync(staged, text);
  fs.renameSync(staged, file);
}

function edit(transform) {
  const file = path.join(site, ARTICLE);
  save(file, transform(fs.readFileSync(file, 'utf8')));
}

test('a saved edit reloads the page and keeps the scroll position', async () => {
  const { page, context, problems } = await open();
  await page.evaluate(() => window.scrollTo(0, 600));
  await page.waitForFunction(() => window.scrollY === 600);
  const loads = await page.evaluate(() => performance.timeOrigin);
  edit((t) => t.replace('This article outlines', 'Live edit: this article outlines'));
  await page.waitForFunction((origin) => performance.timeOrigin !== origin, loads);
  await page.waitForSelector('text=Live edit: this article outlines');
  await page.waitForFunction(() => window.scrollY === 600);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a template, the config and an include each reload the open page', async () => {
  const { page, context, problems } = await open();
  const steps = [
    [PAGE, 'templates/article.html', (t) => t.replace('<article', '<p>Template marker.</p><article')],
    [PAGE, 'kbsite.yml', (t) => t.replace('title: kbsite demo knowledge base', 'title: Renamed in the config')],
    [INCLUDING_PAGE, INCLUDE, (t) => `${t}\n\nInclude marker.\n`],
  ];
  const shown = ['Template marker.', 'Renamed in the config', 'Include marker.'];
  for (const [i, [url, rel, transform]] of steps.entries()) {
    if (!page.url().endsWith(url)) {
      await page.goto(base + url);
      await page.waitForFunction(() => window.kbsiteLive === true);
    }
    const file = path.join(site, rel);
    const loads = await page.evaluate(() => performance.timeOrigin);
    save(file, transform(fs.readFileSync(file, 'utf8')));
    await page.waitForFunction((origin) => performance.timeOrigin !== origin, loads);
    await page.waitForSelector(`text=${shown[i]}`);
    await page.waitForFunction(() => window.kbsiteLive === true);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a broken article shows an escaped error overlay; the fix clears it', async () => {
  const { page, context } = await open();
  const good = await page.locator('main').innerText();
  // A tree whose start names a node that is not there; the name is markup.
  const original = fs.readFileSync(path.join(site, ARTICLE), 'utf8');
  // It tries to end a script, an attribute and to be an element.
  const bad = '</script><script>window.pwned=2</script>"onmouseover="window.pwned=3" <img src=x onerror=window.pwned=1>';
  edit((t) => t.replace(/^start: .*$/m, () => `start: ${JSON.stringify(bad)}`));
  const overlay = page.locator('#kbsite-overlay');
  await overlay.waitFor();
  const text = await overlay.innerText();
  assert.match(text, /3rd-party-storage-software-solutions-support\.md:\d+/);
  assert.ok(text.includes(`start node \`${bad}\` does not exist`), text);
  assert.equal(await overlay.locator('img, script').count(), 0, 'diagnostics are text, not HTML');
  await overlay.hover();
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await overlay.getAttribute('role'), 'alert');
  // The page under it is still the last good one, also after a reload.
  assert.equal(await page.locator('main').innerText(), good);
  await page.reload();
  await overlay.waitFor();
  assert.equal(await page.locator('main').innerText(), good);
  // The fix clears the overlay; with a second edit the page reloads.
  save(path.join(site, ARTICLE), `${original}\n\nFixed and served again.\n`);
  await page.waitForSelector('text=Fixed and served again.');
  assert.equal(await overlay.count(), 0);
  await context.close();
});
