// Publishing and offline reading (issue 8), in a real browser: three built
// sites (the bundled demo, the test corpus, the images fixture), each read
// the ways a published site is read:
//   - from disk (file://),
//   - from a plain static server at a domain root (http://127.0.0.1:P/),
//   - from the same kind of server under a sub-path (http://127.0.0.1:P/docs/kb/),
//   - from disk again after `kbsite build --zip` and unzip (one test, "zip: ...").
// On each: home -> section -> article -> Back, every page styled, its
// scripts run, no failed request, no 4xx/5xx, no console error; header
// search shows results that open; the KB 841696 tree walks to an outcome;
// every image of the images fixture loads; a missing page deep down gets
// the site's 404 page, styled, with a working link home.
// Run: cargo build && cd tests/e2e && node --test publish.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { answerTree, launch, openPage, repoRoot, treeNode } from './browser.mjs';

const BIN = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
const SUBPATH = '/docs/kb/';
const TIMEOUT = 12_000;
const KB841696 = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html';
const KB841696_MD = path.join('support', 'windows-server', 'high-availability', '3rd-party-storage-software-solutions-support.md');
const TREE = 'storage-support';
const IMAGES_FIXTURE = path.join(repoRoot, 'tests', 'fixtures', 'images-site');

/** Every image of the images fixture, by the page showing it: the content
 * path the <img> must resolve to (its width is read from the PNG itself). */
const EXPECTED_IMAGES = {
  'index.html': ['root.png'],
  'guides/setup/index.html': ['guides/media/a.png', 'guides/media/e.png', 'guides/media/f.png'],
  'guides/deep/index.html': ['guides/deep/media/d.png'],
  'guides/deep/nested/article/index.html': ['guides/deep/media/b.png', 'guides/media/c.png'],
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The decision-tree block of the demo's KB 841696: its start node and the
 * longest of its `tests:` paths (the walk every hosting must complete). */
function treeWalk() {
  const md = fs.readFileSync(path.join(repoRoot, 'content', KB841696_MD), 'utf8');
  const from = md.indexOf('```decision-tree');
  const block = md.slice(from, md.indexOf('```', from + 3));
  const start = /^start: (\S+)/m.exec(block)?.[1];
  const tests = [];
  const re = /- path: (\[.*\])\s*\n\s*expect: (\S+)/g;
  for (let m; (m = re.exec(block));) tests.push({ path: JSON.parse(m[1]), expect: m[2] });
  assert.ok(start && tests.length, 'the KB 841696 article carries a decision tree with tests');
  return { start, ...tests.reduce((a, b) => (b.path.length > a.path.length ? b : a)) };
}
const WALK = treeWalk();

// --- building --------------------------------------------------------------

function build(root, out, extra = []) {
  if (!fs.existsSync(BIN)) throw new Error(`kbsite binary not found at ${BIN}: run \`cargo build\` first or set KBSITE_BIN`);
  const run = spawnSync(BIN, ['build', '--root', root, '--output', out, ...extra], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`kbsite build ${extra.join(' ')} exited with ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
  }
}

/** The `links:` block of the repo's kbsite.yml (mounts and external_base). */
function linksBlock() {
  const yml = fs.readFileSync(path.join(repoRoot, 'kbsite.yml'), 'utf8').split('\n');
  const from = yml.findIndex((l) => /^links:/.test(l));
  assert.ok(from >= 0, 'kbsite.yml has a links: block');
  let to = from + 1;
  while (to < yml.length && (yml[to] === '' || /^[\s#]/.test(yml[to]))) to++;
  return yml.slice(from, to).join('\n').trimEnd() + '\n';
}

/** Paths (with `/`) of every file under dir. */
function listFiles(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
    : [`${prefix}${e.name}`]);
}

// --- the static server -------------------------------------------------------

/** A plain static host for the folder siteDir, at `prefix` (`/` or
 * `/docs/kb/`): MIME type by extension (and nosniff, so a wrong one shows),
 * `dir/` serves dir/index.html, `dir` redirects to `dir/`, a missing file
 * gets 404 with the site's 404.html, anything outside the prefix a bare 404. */
async function startServer(siteDir, prefix) {
  const server = http.createServer((req, res) => {
    const send = (status, body, type, headers = {}) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const notFound = () => {
      const page = path.join(siteDir, '404.html');
      if (fs.existsSync(page)) send(404, fs.readFileSync(page), TYPES['.html']);
      else send(404, 'Not found\n', TYPES['.txt']);
    };
    const { pathname } = new URL(req.url, 'http://host');
    if (!pathname.startsWith(prefix)) { send(404, 'Not found (outside the site)\n', TYPES['.txt']); return; }
    let rel;
    try { rel = decodeURIComponent(pathname.slice(prefix.length)); } catch { send(400, 'Bad request\n', TYPES['.txt']); return; }
    let file = path.resolve(siteDir, rel);
    if (file !== siteDir && !file.startsWith(siteDir + path.sep)) { notFound(); return; }
    let stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      if (!pathname.endsWith('/')) { send(301, '', TYPES['.txt'], { location: `${pathname}/` }); return; }
      file = path.join(file, 'index.html');
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    if (!stat?.isFile()) { notFound(); return; }
    send(200, fs.readFileSync(file), TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}${prefix}` };
}

// --- the sites ---------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-publish-'));

/** Each site: its folder, what to click and search, what to check. */
const SITES = {
  demo: {
    title: 'kbsite demo knowledge base',
    section: 'support/windows-server/high-availability/index.html',
    article: KB841696,
    query: 'storage',
    tree: true,
  },
  corpus: {
    title: 'kbsite test corpus',
    section: 'support/windows-server/high-availability/index.html',
    article: KB841696,
    query: 'cluster',
    tree: true,
  },
  images: {
    title: 'Images fixture',
    section: 'guides/index.html',
    article: 'guides/setup/index.html',
    query: 'widget',
    images: true,
  },
};

function prepareSites() {
  // a. The demo: a copy, since base_url is appended to its kbsite.yml.
  const demo = SITES.demo;
  demo.root = path.join(tmp, 'demo-site');
  fs.cpSync(path.join(repoRoot, 'content'), path.join(demo.root, 'content'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'kbsite.yml'), path.join(demo.root, 'kbsite.yml'));

  // b. The test corpus with the demo's mounts. Its KB 841696 is the
  // unmodified original, without the decision tree; the demo's copy of the
  // article (the original plus the tree) replaces it in this temp copy so
  // the tree is walked inside the larger site too. The fixture is untouched.
  const corpus = SITES.corpus;
  corpus.root = path.join(tmp, 'corpus-site');
  fs.cpSync(path.join(repoRoot, 'tests', 'fixtures', 'kb-corpus', 'content'), path.join(corpus.root, 'content'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'content', KB841696_MD), path.join(corpus.root, 'content', KB841696_MD));
  fs.writeFileSync(path.join(corpus.root, 'kbsite.yml'), `title: ${corpus.title}\n${linksBlock()}`);

  // c. The images fixture, built in place (the output goes to tmp).
  SITES.images.root = IMAGES_FIXTURE;
}

let browser;

before(async () => {
  prepareSites();
  // Servers first (port 0), so the demo's base_url can name the sub-path one.
  for (const [name, site] of Object.entries(SITES)) {
    site.out = path.join(tmp, `${name}-out`);
    site.rootServer = await startServer(site.out, '/');
    site.subServer = await startServer(site.out, SUBPATH);
  }
  SITES.demo.baseUrl = SITES.demo.subServer.base;
  fs.appendFileSync(path.join(SITES.demo.root, 'kbsite.yml'), `base_url: ${SITES.demo.baseUrl}\n`);
  for (const site of Object.values(SITES)) build(site.root, site.out);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const site of Object.values(SITES)) {
    site.rootServer?.server.close();
    site.subServer?.server.close();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The three ways each built site is read. */
const HOSTINGS = {
  'file://': (site) => pathToFileURL(site.out + path.sep).href,
  'http /': (site) => site.rootServer.base,
  [`http ${SUBPATH}`]: (site) => site.subServer.base,
};

// --- the browser side ----------------------------------------------------------

/** Runs in every page before its scripts: records each script, stylesheet
 * and image that loaded or failed (load/error events, captured on window). */
function trackLoads() {
  const loads = (window.__kbLoads = { loaded: [], failed: [] });
  // On document, not window: a load event of an element never reaches the
  // window (DOM spec), an error event does.
  const record = (list) => (e) => {
    const t = e.target;
    if (t && t !== window && t !== document && (t.src || t.href)) list.push(t.src || t.href);
  };
  document.addEventListener('load', record(loads.loaded), true);
  document.addEventListener('error', record(loads.failed), true);
}

/** openPage (fresh context, its problem list) plus: 4xx/5xx responses as
 * problems, the reason of each failed request, the load tracker. Returns
 * { page, context, problems, response } where response is url's. */
async function open(url) {
  const opened = await openPage(browser, 'about:blank');
  const { page, context, problems } = opened;
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const why = new Map();
  page.on('requestfailed', (r) => why.set(r.url(), r.failure()?.errorText));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.addInitScript(trackLoads);
  const response = await page.goto(url);
  /** The problems, each failed request with its reason. */
  const report = () => problems.map((p) => {
    const m = /^request failed: (.*)$/.exec(p);
    return m && why.has(m[1]) ? `${p} (${why.get(m[1])})` : p;
  });
  return { page, context, problems, response, report };
}

/** The page is styled by the theme and every script and stylesheet it
 * names loaded (a script's load event fires after it ran). */
async function checkPage(page, label, { needScript = true } = {}) {
  await page.waitForLoadState('load');
  const r = await page.evaluate(() => {
    const loads = window.__kbLoads || { loaded: [], failed: [] };
    const header = document.querySelector('.kb-header');
    return {
      sheets: [...document.querySelectorAll('link[rel~="stylesheet"]')].map((l) => ({ href: l.href, ok: !!l.sheet })),
      inlineStyles: document.querySelectorAll('style').length,
      scripts: [...document.querySelectorAll('script[src]')].map((s) => ({ src: s.src, ok: loads.loaded.includes(s.src) })),
      failed: loads.failed,
      bodyMargin: getComputedStyle(document.body).marginTop,
      headerBg: header ? getComputedStyle(header).backgroundColor : null,
    };
  });
  assert.ok(r.sheets.length + r.inlineStyles > 0, `${label}: the page has a stylesheet or inline style`);
  for (const s of r.sheets) assert.ok(s.ok, `${label}: stylesheet ${s.href} loaded`);
  // Browsers give <body> an 8px margin; the theme sets 0.
  assert.equal(r.bodyMargin, '0px', `${label}: the theme's CSS applies (body margin)`);
  assert.ok(r.headerBg !== null, `${label}: the page has the theme's header`);
  assert.notEqual(r.headerBg, 'rgba(0, 0, 0, 0)', `${label}: the header is styled`);
  if (needScript) {
    assert.ok(r.scripts.some((s) => /\/kbsite\.js$/.test(s.src)), `${label}: kbsite.js is on the page`);
  }
  for (const s of r.scripts) assert.ok(s.ok, `${label}: script ${s.src} loaded and ran`);
  assert.deepEqual(r.failed, [], `${label}: no script, stylesheet or image failed to load`);
}

/** Every <img> of the page (scrolled to, as they load lazily) has loaded
 * the fixture file it should show, at that file's own width. */
async function checkImages(page, base, rel, label) {
  const imgs = page.locator('img');
  const count = await imgs.count();
  for (let i = 0; i < count; i++) await imgs.nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.images].every((i) => i.complete)).catch(() => {});
  const shown = await page.evaluate(() => [...document.images].map((i) => ({
    url: i.currentSrc || i.src, attr: i.getAttribute('src'), width: i.naturalWidth, complete: i.complete,
  })));
  const inSite = (u) => (u.startsWith(base) ? decodeURIComponent(u.slice(base.length)) : u);
  const got = shown.map((i) => inSite(i.url)).sort();
  assert.deepEqual(got, [...(EXPECTED_IMAGES[rel] || [])].sort(), `${label}: the page shows the expected images`);
  for (const img of shown) {
    assert.ok(img.width > 0, `${label}: <img src="${img.attr}"> loaded (naturalWidth ${img.width}, complete ${img.complete})`);
    const png = fs.readFileSync(path.join(IMAGES_FIXTURE, 'content', inSite(img.url)));
    assert.equal(img.width, png.readUInt32BE(16), `${label}: <img src="${img.attr}"> shows the right file`);
  }
  assert.equal(await page.locator('.kb-missing-image').count(), 0, `${label}: no image is marked missing`);
}

const shown = (page) => treeNode(page, TREE);
const answer = (page, label) => answerTree(page, TREE, label);

// --- the checks, per site and hosting ------------------------------------------

/** Home -> a section listed on it -> an article of it -> Back. */
async function browse(site, base, label) {
  const { page, context, report } = await open(base + 'index.html');
  await checkPage(page, `${label} home`);
  assert.equal((await page.locator('h1').first().innerText()).trim(), site.title, `${label}: the home page`);
  if (site.images) await checkImages(page, base, 'index.html', `${label} home`);

  await page.locator(`main a[href="${site.section}"]`).first().click();
  await page.waitForURL(base + site.section);
  await checkPage(page, `${label} section`);

  const fromSection = path.posix.relative(path.posix.dirname(site.section), site.article);
  await page.locator(`main .kb-entries a[href="${fromSection}"]`).first().click();
  await page.waitForURL(base + site.article);
  await checkPage(page, `${label} article`);
  assert.ok(await page.locator('h1').first().isVisible(), `${label}: the article's heading shows`);
  if (site.tree) {
    // kbsite.js ran: it marks the tree it took over.
    await page.locator(`[data-kb-tree="${TREE}"].kb-js`).waitFor({ state: 'attached' });
  }
  if (site.images) await checkImages(page, base, site.article, `${label} article`);

  await page.goBack();
  await page.waitForURL(base + site.section);
  assert.equal(page.url(), base + site.section, `${label}: Back lands on the section again`);
  await checkPage(page, `${label} section after Back`);

  assert.deepEqual(report(), [], `${label}: no failed request, error response or console error`);
  await context.close();
}

/** The header search box shows results; the first one opens its article. */
async function search(site, base, label) {
  const { page, context, report } = await open(base + 'index.html');
  await checkPage(page, `${label} home`);
  await page.locator('input[data-kb-search]').pressSequentially(site.query, { delay: 15 });
  const results = page.locator('[data-kb-results] a.kb-result');
  await results.first().waitFor();
  assert.ok(await results.count() > 0, `${label}: "${site.query}" shows results`);
  const first = results.first();
  const target = new URL(await first.getAttribute('href'), page.url()).href;
  assert.ok(target.startsWith(base), `${label}: the result ${target} is inside the site`);
  await first.click();
  await page.waitForURL(target);
  await checkPage(page, `${label} search result`);
  assert.ok(await page.locator('h1').first().isVisible(), `${label}: the result's page shows`);
  assert.deepEqual(report(), [], `${label}: no failed request, error response or console error`);
  await context.close();
}

/** KB 841696's tree, walked from its start to an outcome by clicking. */
async function walkTree(site, base, label) {
  const { page, context, report } = await open(base + KB841696);
  // Answers clicked before the script took over would race it.
  await page.locator(`[data-kb-tree="${TREE}"].kb-js`).waitFor({ state: 'attached' });
  await checkPage(page, `${label} KB 841696`);
  assert.equal((await shown(page)).node, WALK.start, `${label}: the walk starts at the start node`);
  for (const l of WALK.path) await answer(page, l);
  const end = await shown(page);
  assert.equal(end.node, WALK.expect, `${label}: ${JSON.stringify(WALK.path)} reaches ${WALK.expect}`);
  assert.ok(end.outcome, `${label}: it is an outcome`);
  assert.match(decodeURIComponent(new URL(page.url()).hash), new RegExp(`^#${TREE}=`), `${label}: the walk is in the URL`);
  assert.deepEqual(report(), [], `${label}: no failed request, error response or console error`);
  await context.close();
}

/** Every page of the images site (but 404.html, see the 404 tests): its
 * images load, at their own width. */
async function everyImage(site, base, label) {
  const pages = listFiles(site.out).filter((f) => f.endsWith('.html') && f !== '404.html').sort();
  for (const rel of Object.keys(EXPECTED_IMAGES)) assert.ok(pages.includes(rel), `${label}: ${rel} was built`);
  const { page, context, report } = await open('about:blank');
  for (const rel of pages) {
    const response = await page.goto(base + rel);
    if (response) assert.ok(response.status() < 400, `${label} ${rel}: status ${response.status()}`);
    await checkPage(page, `${label} ${rel}`);
    await checkImages(page, base, rel, `${label} ${rel}`);
  }
  assert.deepEqual(report(), [], `${label}: no failed request, error response or console error`);
  await context.close();
}

/** What every hosting of a site must pass (the zip test runs these too). */
async function allChecks(site, base, label) {
  await browse(site, base, label);
  await search(site, base, label);
  if (site.tree) await walkTree(site, base, label);
  if (site.images) await everyImage(site, base, label);
}

for (const [name, site] of Object.entries(SITES)) {
  for (const [hosting, baseOf] of Object.entries(HOSTINGS)) {
    const label = `${name} @ ${hosting}`;
    test(`${label}: home -> section -> article -> Back, styled, scripts run, nothing fails`, () => browse(site, baseOf(site), label));
    test(`${label}: the header search shows results that open`, () => search(site, baseOf(site), label));
    if (site.tree) test(`${label}: the KB 841696 tree walks to an outcome`, () => walkTree(site, baseOf(site), label));
    if (site.images) test(`${label}: every image on every page loads`, () => everyImage(site, baseOf(site), label));
  }
}

// --- 404 at depth ---------------------------------------------------------------

for (const [name, site] of Object.entries(SITES)) {
  for (const hosting of ['http /', `http ${SUBPATH}`]) {
    const label = `${name} @ ${hosting}`;
    test(`${label}: a missing page deep down gets the site's 404 page, styled, linking home`, async (t) => {
      const base = HOSTINGS[hosting](site);
      const missing = `${base}no/such/deep/page/`;
      const { page, context, problems, response, report } = await open(missing);
      assert.equal(response.status(), 404, `${label}: ${missing} answers 404`);
      const own = fs.readFileSync(path.join(site.out, '404.html'), 'utf8');
      const strip = (s) => s.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
      assert.equal(await page.title(), strip(/<title>([\s\S]*?)<\/title>/.exec(own)[1]).replace(/&amp;/g, '&'), `${label}: it is the site's 404 page`);
      assert.equal(strip(await page.locator('h1').first().innerHTML()), strip(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(own)[1]), `${label}: the 404 page's heading`);
      await page.waitForLoadState('load');
      // The document's own 404 is expected, and Chromium logs it as a console
      // error; any other 4xx (a stylesheet, a script) is still reported.
      const own404 = `HTTP 404: ${missing}`;
      const others = report().filter((p) => p !== own404 && !/^console error: Failed to load resource: the server responded with a status of 404/.test(p));
      assert.deepEqual(others, [], `${label}: no failed request, error response or console error on the 404 page`);
      await checkPage(page, `${label} 404 page`, { needScript: false });

      // Without base_url the page can only link home by `/`, which is the
      // home at a domain root but not under a sub-path: that is checked
      // where the site can know its home (root hosting, or base_url set).
      if (hosting !== 'http /' && !site.baseUrl) {
        t.diagnostic('no base_url: the link home is not checked under a sub-path');
        await context.close();
        return;
      }
      problems.length = 0;
      const home = page.locator('main a').filter({ hasText: /home/i }).first();
      const href = await home.getAttribute('href');
      await home.click();
      await page.waitForURL((u) => u.href !== missing);
      await page.waitForLoadState('load');
      const homes = [base, `${base}index.html`];
      if (site.baseUrl) homes.push(site.baseUrl, `${site.baseUrl}index.html`);
      assert.ok(homes.includes(page.url()), `${label}: the link home (href="${href}") leads to ${page.url()}, not one of ${homes.join(', ')}`);
      assert.equal((await page.locator('h1').first().innerText()).trim(), site.title, `${label}: the link home lands on the home page`);
      await checkPage(page, `${label} home reached from the 404 page`);
      assert.deepEqual(report(), [], `${label}: no failed request, error response or console error on the way home`);
      await context.close();
    });
  }
}

// --- the zip ----------------------------------------------------------------------

// `kbsite build --zip FILE` writes the output folder as usual and a zip of
// the whole site (files at its root, fixed timestamps). Unzipped anywhere,
// the site must pass the file:// checks. Until the flag exists this fails
// with a usage error from the build.
test('zip: kbsite build --zip, unzipped into a fresh folder, passes the file:// checks', async (t) => {
  for (const [name, site] of Object.entries(SITES)) {
    await t.test(name, async () => {
      const out = path.join(tmp, `zip-${name}-out`);
      const zip = path.join(tmp, `zip-${name}.zip`);
      build(site.root, out, ['--zip', zip]);
      assert.ok(fs.existsSync(zip), `${name}: ${zip} was written`);

      // Same input, same bytes (fixed timestamps, fixed order).
      const again = path.join(tmp, `zip-${name}-again.zip`);
      build(site.root, path.join(tmp, `zip-${name}-again-out`), ['--zip', again]);
      assert.ok(fs.readFileSync(zip).equals(fs.readFileSync(again)), `${name}: two builds give byte-identical zips`);

      const dir = fs.mkdtempSync(path.join(tmp, `unzipped-${name}-`));
      const unzip = spawnSync('unzip', ['-q', zip, '-d', dir], { encoding: 'utf8' });
      assert.equal(unzip.status, 0, `unzip failed: ${unzip.stderr}`);
      assert.ok(fs.existsSync(path.join(dir, 'index.html')), `${name}: index.html is at the zip's root`);
      // The zip holds the site: every file of the output folder, same bytes
      // (the output folder's marker file aside).
      const want = listFiles(out).filter((f) => f !== '.kbsite-output').sort();
      const got = listFiles(dir).filter((f) => f !== '.kbsite-output').sort();
      assert.deepEqual(got, want, `${name}: the zip holds the output folder's files`);
      for (const f of want) {
        assert.ok(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(out, f))), `${name}: ${f} is the same in the zip`);
      }

      await allChecks({ ...site, out: dir }, pathToFileURL(dir + path.sep).href, `${name} @ unzipped file://`);
    });
  }
});
