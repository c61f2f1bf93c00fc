// Search in a real browser, from file:// and from a local HTTP server under
// a sub-path (/docs/kb/): typing on the KB 841696 page shows results, Enter
// opens the article; a typo query, an identifier query, a filter; no
// failed request or console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSite, launch, openPage } from './browser.mjs';

const KB841696 = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html';
const SUBPATH = '/docs/kb/';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

let outDir, browser, server, httpBase;

before(async () => {
  outDir = buildSite();
  browser = await launch();
  // A plain static server that only knows the site under SUBPATH.
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(SUBPATH)) { res.writeHead(404); res.end(); return; }
    const file = path.join(outDir, decodeURIComponent(url.pathname.slice(SUBPATH.length)));
    if (!file.startsWith(outDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  httpBase = `http://127.0.0.1:${server.address().port}${SUBPATH}`;
});

after(async () => {
  await browser?.close();
  server?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const origins = {
  'file://': (rel) => {
    const [file, query] = rel.split('?');
    return pathToFileURL(path.join(outDir, file)).href + (query ? `?${query}` : '');
  },
  [`http ${SUBPATH}`]: (rel) => httpBase + rel,
};

const open = (url) => openPage(browser, url);

/** Types into the header box and returns the result titles shown. */
async function typeQuery(page, query) {
  await page.locator('input[data-kb-search]').fill('');
  await page.locator('input[data-kb-search]').pressSequentially(query, { delay: 15 });
  const results = page.locator('[data-kb-results] a.kb-result');
  await results.first().waitFor();
  return results.locator('.kb-result-title').allInnerTexts();
}

for (const [origin, url] of Object.entries(origins)) {
  test(`${origin}: typing on the KB 841696 page shows results and Enter opens the first`, async () => {
    const { page, context, problems } = await open(url(KB841696));
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-kb-search')), '', '/ focuses the box');
    await page.keyboard.type('sql iscsi', { delay: 20 });
    const results = page.locator('[data-kb-results] a.kb-result');
    await results.first().waitFor();
    const titles = await results.locator('.kb-result-title').allInnerTexts();
    assert.equal(titles[0], 'Support for SQL Server on iSCSI technology components');
    assert.ok(await page.locator('[data-kb-results] mark').count() > 0, 'matched words are marked');
    assert.equal(await page.locator('input[data-kb-search]').getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowDown');
    assert.equal(await results.first().getAttribute('aria-selected'), 'true');
    await Promise.all([page.waitForURL(/support-iscsi-technology-components\/index\.html$/), page.keyboard.press('Enter')]);
    assert.match(await page.locator('h1').innerText(), /iSCSI/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${origin}: a typo query and an identifier query`, async () => {
    const { page, context, problems } = await open(url(KB841696));
    // "clsuter" for "cluster": one swapped pair, forgiven.
    const typo = await typeQuery(page, 'network name wont come online clsuter');
    assert.equal(typo[0], "Can't bring a network name online in a cluster", JSON.stringify(typo));
    const ident = await typeQuery(page, 'FILE_FLAG_WRITE_THROUGH');
    assert.equal(ident[0], 'Logging and data storage algorithms', JSON.stringify(ident));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${origin}: the results page filters by product`, async () => {
    const { page, context, problems } = await open(url('search/index.html?q=cluster'));
    const items = page.locator('ol[data-kb-results] li');
    await items.first().waitFor();
    const all = await items.count();
    const product = page.locator('select[data-kb-filter="product"]');
    const options = await product.locator('option').allInnerTexts();
    const choice = options.find((o) => o.startsWith('Windows Server 2012 R2 ('));
    assert.ok(choice, `a Windows Server 2012 R2 product filter is offered: ${options.join(' | ')}`);
    await product.selectOption({ label: choice });
    await page.waitForFunction((n) => document.querySelectorAll('ol[data-kb-results] li').length !== n, all);
    const filtered = await items.locator('.kb-result-title').allInnerTexts();
    assert.ok(filtered.length > 0 && filtered.length < all, `${filtered.length} of ${all}`);
    assert.match(page.url(), /product=Windows\+Server\+2012\+R2/, 'the filter is kept in the URL');
    assert.match(await page.locator('[data-kb-summary]').innerText(), /result/);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('no results offers the nearest terms', async () => {
  const { page, context } = await open(origins['file://'](KB841696));
  await page.locator('input[data-kb-search]').pressSequentially('zzqx clustr', { delay: 10 });
  await page.locator('[data-kb-results] .kb-results-all').waitFor();
  // "clustr" still finds cluster articles (a typo); a word that matches
  // nothing alone gets the nearest terms.
  await page.locator('input[data-kb-search]').fill('');
  await page.locator('input[data-kb-search]').pressSequentially('qqqqzz', { delay: 10 });
  await page.waitForFunction(() => /No results/.test(document.querySelector('.kb-results-all')?.textContent || ''));
  await context.close();
});

test('axe: no serious or critical violations with results open', async () => {
  const { createRequire } = await import('node:module');
  const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const { page, context } = await open(origins['file://'](KB841696));
  await typeQuery(page, 'cluster disk');
  await page.keyboard.press('ArrowDown');
  await page.addScriptTag({ content: axeSource });
  const { violations } = await page.evaluate(() => globalThis.axe.run(document, { preload: false }));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(bad.length, 0, bad.map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target})`).join('\n'));
  await context.close();
});
