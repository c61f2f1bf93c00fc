// Search quality on every evaluation set, kbsite beside MiniSearch (prefix,
// fuzzy 0.2, boost title 3 / headings 2) and Pagefind (its npm package,
// searched in Chromium on a served copy), on the same article pages:
//
//   node tests/e2e/search-eval.mjs [corpus] [realrepo] [generated]
//
// (after `cargo build`; all three sets when none is named). Prints, per set
// and engine, MRR@10, recall@1, recall@5 and the share of queries with no
// result, then the same per query kind. The sets and how they were written
// are in tests/search/ (*-queries.md). `realrepo` reads
// ../shared/realrepo/OfficeDocs-Support (or $REALREPO) and is skipped
// where it is missing.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import MiniSearch from 'minisearch';
import * as pagefind from 'pagefind';
import { launch, repoRoot } from './browser.mjs';
import { nodeIndex } from './search-node.mjs';
import { buildCorpus, pages } from './search-quality.mjs';

const BIN = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');

function kbsite(args, cwd) {
  const run = spawnSync(BIN, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`kbsite ${args.join(' ')} failed:\n${run.stderr}`);
}

/** `tests/search/NAME` as { query, expected, kind } rows. */
function readQueries(name) {
  return fs.readFileSync(path.join(repoRoot, 'tests/search', name), 'utf8')
    .split('\n').slice(1).filter(Boolean)
    .map((line) => {
      const [query, expected, kind] = line.split('\t');
      return { query, expected, kind };
    });
}

/** Content path → page path of a kbsite site (a content folder published as it is). */
const pageOf = (content) => content.replace(/\.(md|yml)$/, '/index.html').replace(/(^|\/)index\/index\.html$/, '$1index.html');

const SETS = {
  corpus() {
    const out = buildCorpus();
    return { out, queries: readQueries('queries.tsv').map((q) => ({ ...q, url: pageOf(q.expected) })) };
  },
  realrepo() {
    const repo = process.env.REALREPO || path.join(repoRoot, '..', 'shared', 'realrepo', 'OfficeDocs-Support');
    if (!fs.existsSync(repo)) return null;
    // A copy, with only `repo_url` set: every article page then names its
    // source file (its "Edit this page" link), which maps the queries'
    // content paths to pages.
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-eval-repo-'));
    fs.cpSync(repo, site, { recursive: true });
    fs.writeFileSync(path.join(site, 'kbsite.yml'), 'repo_url: https://edit.invalid/\n');
    kbsite(['build'], site);
    const out = path.join(site, 'public');
    const byContent = new Map();
    for (const doc of pages(out)) {
      const html = fs.readFileSync(path.join(out, doc.id), 'utf8');
      const edit = html.match(/href="https:\/\/edit\.invalid\/([^"]+)"/);
      if (edit) byContent.set(decodeURIComponent(edit[1]), doc.id);
    }
    const queries = readQueries('realrepo-queries.tsv').map((q) => ({ ...q, url: byContent.get(q.expected) }));
    const lost = queries.filter((q) => !q.url);
    if (lost.length) throw new Error(`no page for ${lost.map((q) => q.expected).join(', ')}`);
    return { out, queries };
  },
  generated() {
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-eval-gen-'));
    const gen = spawnSync('python3', [path.join(repoRoot, 'scripts/gen-corpus'), '2000', site], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(gen.stderr);
    kbsite(['build'], site);
    return { out: path.join(site, 'public'), queries: readQueries('generated-queries.tsv').map((q) => ({ ...q, url: pageOf(q.expected) })) };
  },
};

/** The ranks of `url` in each engine's first 10, null when absent. */
function score(ranks) {
  const n = ranks.length;
  return {
    n,
    mrr: ranks.reduce((s, r) => s + (r && r <= 10 ? 1 / r : 0), 0) / n,
    r1: ranks.filter((r) => r === 1).length / n,
    r5: ranks.filter((r) => r && r <= 5).length / n,
    none: ranks.filter((r) => r === 0).length / n,
  };
}

/** A Pagefind index of the same pages, served; returns { search, close }. */
async function pagefindSearch(docs, browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-eval-pagefind-'));
  const { index } = await pagefind.createIndex({});
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  for (const d of docs) {
    await index.addHTMLFile({
      url: `/${d.id}`,
      content: `<html lang="en"><head><title>${esc(d.title)}</title></head><body><h1>${esc(d.title)}</h1><h2>${esc(d.headings)}</h2><p>${esc(d.body)}</p></body></html>`,
    });
  }
  await index.writeFiles({ outputPath: path.join(dir, 'pagefind') });
  await pagefind.close();
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>eval</title>');
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(req.url.split('?')[0]));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.evaluate(async () => { window.pf = await import('/pagefind/pagefind.js'); await window.pf.init(); });
  return {
    search: (q) => page.evaluate(async (q) => {
      const r = await window.pf.search(q);
      const top = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
      return top.map((d) => d.url.replace(/^\//, ''));
    }, q),
    close: () => { server.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

async function evaluateSet(name, browser) {
  const set = SETS[name]();
  if (!set) { console.log(`${name}: skipped (no data here)`); return; }
  const docs = pages(set.out);
  const kb = nodeIndex(set.out);
  const mini = new MiniSearch({ fields: ['title', 'headings', 'body'], storeFields: [] });
  mini.addAll(docs);
  const pf = await pagefindSearch(docs, browser);
  const opts = { boost: { title: 3, headings: 2 }, prefix: true, fuzzy: 0.2 };
  const rank = (urls, url) => (urls.length === 0 ? 0 : (urls.indexOf(url) + 1) || null);
  const rows = [];
  for (const q of set.queries) {
    const k = (await kb.search(q.query, 10)).results.map((d) => d.url);
    const m = mini.search(q.query, opts).slice(0, 10).map((d) => d.id);
    const p = await pf.search(q.query);
    rows.push({ ...q, kbsite: rank(k, q.url), minisearch: rank(m, q.url), pagefind: rank(p, q.url) });
  }
  pf.close();
  const engines = ['kbsite', 'minisearch', 'pagefind'];
  const line = (label, sub) => {
    const cells = engines.map((e) => {
      const s = score(sub.map((r) => r[e]));
      return `${s.mrr.toFixed(3)} ${s.r1.toFixed(2)} ${s.r5.toFixed(2)} ${s.none.toFixed(2)}`;
    });
    console.log(`  ${label.padEnd(16)} ${String(sub.length).padStart(4)}   ${cells.join('   ')}`);
  };
  console.log(`\n${name}: ${docs.length} article pages, ${rows.length} queries`);
  console.log(`  ${''.padEnd(16)} ${'n'.padStart(4)}   ${engines.map((e) => e.padEnd(19)).join('   ')}`);
  console.log(`  ${''.padEnd(16)} ${''.padStart(4)}   ${engines.map(() => 'MRR  r@1  r@5  none').join('   ')}`);
  line('all', rows);
  for (const kind of [...new Set(rows.map((r) => r.kind))].sort()) line(kind, rows.filter((r) => r.kind === kind));
  if (process.argv.includes('--misses')) {
    for (const r of rows.filter((r) => r.kbsite !== 1)) console.log(`    ${r.kbsite ?? '-'}\t${r.minisearch ?? '-'}\t${r.pagefind ?? '-'}\t${r.kind}\t${r.query}\t${r.expected}`);
  }
}

const named = process.argv.slice(2).filter((a) => a in SETS);
const browser = await launch();
try {
  for (const name of named.length ? named : Object.keys(SETS)) await evaluateSet(name, browser);
} finally {
  await browser.close();
}
