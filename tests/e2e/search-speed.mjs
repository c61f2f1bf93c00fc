// Search as a reader types it, in Chromium from file://: for queries made
// like the cost benchmark's (tests/e2e/search-cost.mjs), typed one key at
// a time into the header box of a freshly opened page, the time from the
// last keystroke to its results painted (the first query of a page and
// later ones apart), and the index files and bytes each typed query loads.
//
//   node tests/e2e/search-speed.mjs SITE_OUTPUT CONTENT_DIR [--queries N] [--delay MS]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch } from './browser.mjs';
import { makeQueries } from './search-cost.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.9)]; };

/** Types `q` into the box; ms from its last keystroke to the results painted. */
async function typed(page, q, delay) {
  await page.evaluate(() => {
    const input = document.querySelector('#kb-search-input');
    input.value = '';
    window.__last = 0;
    input.addEventListener('input', () => { window.__last = performance.now(); });
  });
  await page.locator('#kb-search-input').pressSequentially(q, { delay });
  return page.evaluate((q) => new Promise((resolve) => {
    const want = 'q=' + encodeURIComponent(q);
    const done = () => {
      const foot = document.querySelector('#kb-search-results .kb-results-all');
      return foot && foot.getAttribute('href').endsWith(want);
    };
    const painted = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - window.__last), 0));
    if (done()) { painted(); return; }
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); painted(); } });
    obs.observe(document.querySelector('#kb-search-results'), { childList: true, subtree: true, attributes: true });
  }), q);
}

export async function speed(siteDir, contentDir, { n = 40, delay = 40 } = {}) {
  const browser = await launch();
  const queries = makeQueries(contentDir, n);
  const first = [], warm = [], files = [], bytes = [];
  try {
    for (let i = 0; i < queries.length; i += 2) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const loaded = [];
      page.on('request', (r) => {
        const u = r.url();
        if (u.startsWith('file:') && u.includes('/search/')) loaded.push(fileURLToPath(u));
      });
      await page.goto(pathToFileURL(path.join(siteDir, 'index.html')).href);
      await page.waitForLoadState('load');
      first.push(await typed(page, queries[i], delay));
      files.push(loaded.length);
      bytes.push(loaded.reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0));
      if (queries[i + 1]) {
        const before = loaded.length;
        warm.push(await typed(page, queries[i + 1], delay));
        files.push(loaded.length - before);
        bytes.push(loaded.slice(before).reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0));
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return {
    queries: queries.length,
    firstMedianMs: median(first), firstP90Ms: p90(first),
    warmMedianMs: median(warm), warmP90Ms: p90(warm),
    medianFilesPerQuery: median(files), medianKBPerQuery: median(bytes) / 1024, maxKBPerQuery: Math.max(...bytes) / 1024,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [site, content] = process.argv.slice(2);
  const arg = (k, d) => (process.argv.includes(k) ? +process.argv[process.argv.indexOf(k) + 1] : d);
  const r = await speed(site, content, { n: arg('--queries', 40), delay: arg('--delay', 40) });
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(20)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`);
}
