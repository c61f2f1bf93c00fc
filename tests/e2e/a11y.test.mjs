// axe-core (WCAG 2.0 A and AA, WCAG 2.1 AA; every rule of those tags, none
// disabled) on each kind of page, in the light and the dark colour scheme:
// home, section, an article with a decision tree, a taxonomy term, search
// results and the 404 page. Zero violations of any impact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import { buildRoot, buildSite, launch, repoRoot } from './browser.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const PAGES = [
  ['home', 'index.html'],
  ['section', 'support/windows-server/high-availability/index.html'],
  ['article with a tree', 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html'],
  ['taxonomy term', 'products/windows-server-2012-r2/index.html'],
  ['search results', 'search/index.html?q=storage'],
  ['404', '404.html'],
];
// The corpus, whose Windows Server toc.yml drives the sidebar.
const TOC_PAGE = 'support/windows-server/high-availability/cluster-validation-account-causes-events-messages/index.html';
// Corpus pages with highlighted code (console, PowerShell; SQL; C++), for
// the syntax colours' contrast.
const CODE_PAGES = [
  ['article with console and PowerShell code', 'support/windows-server/backup-and-storage/iscsi-storage-connectivity-troubleshooting/index.html'],
  ['article with SQL code', 'support/sql/admin/backup-operation-backup-history-table/index.html'],
  ['article with C++ code', 'support/windows-server/backup-and-storage/event-id-51-information/index.html'],
];
const CORPUS_PAGES = new Set([TOC_PAGE, ...CODE_PAGES.map(([, rel]) => rel)]);

let outDir, corpusDir, corpusOut, browser;
before(async () => {
  outDir = buildSite();
  corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-a11y-corpus-'));
  fs.cpSync(path.join(repoRoot, 'tests', 'fixtures', 'kb-corpus', 'content'), path.join(corpusDir, 'content'), { recursive: true });
  fs.writeFileSync(path.join(corpusDir, 'kbsite.yml'), 'links:\n  mounts: {/troubleshoot/: support/}\n');
  corpusOut = buildRoot(corpusDir);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  if (corpusDir) fs.rmSync(corpusDir, { recursive: true, force: true });
});

function url(rel, dir = outDir) {
  const [file, query] = rel.split('?');
  return pathToFileURL(path.join(dir, file)).href + (query ? `?${query}` : '');
}

for (const scheme of ['light', 'dark']) {
  for (const [name, rel] of [...PAGES, ['article in a table of contents', TOC_PAGE], ...CODE_PAGES]) {
    test(`axe, ${scheme}: no violations on the ${name} page`, async () => {
      const context = await browser.newContext({ colorScheme: scheme });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      await page.goto(CORPUS_PAGES.has(rel) ? url(rel, corpusOut) : url(rel));
      if (name === 'search results') await page.locator('[data-kb-results] a').first().waitFor();
      await page.addScriptTag({ content: axeSource });
      const { violations } = await page.evaluate(() => globalThis.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
        // axe would fetch style.css by XHR, which file:// forbids; the
        // computed styles it reads are there all the same.
        preload: false,
      }));
      const report = violations
        .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} node(s), first: ${v.nodes[0]?.target.join(' ')} ${v.nodes[0]?.failureSummary?.split('\n').slice(1, 2).join(' ') ?? ''}`)
        .join('\n  ');
      assert.equal(violations.length, 0, `axe violations on ${rel} (${scheme}):\n  ${report}`);
      await context.close();
    });
  }
}
