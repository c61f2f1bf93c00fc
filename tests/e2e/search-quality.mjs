// Search quality on the real corpus: kbsite's client (run in Node on the
// built shards) against MiniSearch indexing the same pages, on the
// known-item queries of tests/search/queries.tsv. Prints MRR@10 and
// recall@5 for both, overall and per query kind.
//
//   node tests/e2e/search-quality.mjs        (after `cargo build`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import MiniSearch from 'minisearch';
import { repoRoot } from './browser.mjs';
import { nodeIndex } from './search-node.mjs';

/** Builds the test corpus into a temp folder; returns the output folder. */
export function buildCorpus() {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-quality-'));
  fs.cpSync(path.join(repoRoot, 'tests/fixtures/kb-corpus/content'), path.join(site, 'content'), { recursive: true });
  const bin = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
  const run = spawnSync(bin, ['build', '--root', site], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kbsite build failed:\n${run.stderr}`);
  return path.join(site, 'public');
}

export function queries() {
  return fs.readFileSync(path.join(repoRoot, 'tests/search/queries.tsv'), 'utf8')
    .split('\n').slice(1).filter(Boolean)
    .map((line) => {
      const [query, expected, kind] = line.split('\t');
      return { query, kind, url: expected.replace(/\.md$/, '/index.html') };
    });
}

const text = (html) => html.replace(/<[^>]+>/g, ' ').replace(/&[a-z#0-9]+;/g, ' ').replace(/\s+/g, ' ').trim();

/** The article pages as MiniSearch documents: title, headings, body. */
export function pages(out) {
  const docs = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      if (e.name !== 'index.html') continue;
      const html = fs.readFileSync(p, 'utf8');
      if (!html.includes('<body class="kb-page-article">')) continue;
      const content = html.slice(html.indexOf('<div class="kb-content">'), html.lastIndexOf('</article>'));
      const headings = [...html.matchAll(/<h[1-3][^>]*>([\s\S]*?)<\/h[1-3]>/g)].map((m) => text(m[1])).join(' ');
      const description = (html.match(/<p class="kb-description">([\s\S]*?)<\/p>/) || [, ''])[1];
      docs.push({
        id: path.relative(out, p).split(path.sep).join('/'),
        title: text((html.match(/<title>([\s\S]*?) \| /) || [, ''])[1]),
        headings,
        body: text(description) + ' ' + text(content),
      });
    }
  };
  walk(out);
  return docs;
}

function score(ranks) {
  const n = ranks.length;
  const mrr = ranks.reduce((s, r) => s + (r && r <= 10 ? 1 / r : 0), 0) / n;
  const recall5 = ranks.filter((r) => r && r <= 5).length / n;
  return { mrr, recall5, n };
}

/** Runs both engines; returns { kbsite, minisearch, byKind }. */
export async function evaluate(out = buildCorpus()) {
  const qs = queries();
  const index = nodeIndex(out);
  const mini = new MiniSearch({ fields: ['title', 'headings', 'body'], storeFields: [] });
  mini.addAll(pages(out));
  const opts = { boost: { title: 3, headings: 2 }, prefix: true, fuzzy: 0.2 };
  const rows = [];
  for (const q of qs) {
    const r = await index.search(q.query, 10);
    const k = r.results.findIndex((d) => d.url === q.url) + 1;
    const m = mini.search(q.query, opts).slice(0, 10).findIndex((d) => d.id === q.url) + 1;
    rows.push({ ...q, kbsite: k || null, minisearch: m || null });
  }
  const byKind = {};
  for (const kind of [...new Set(qs.map((q) => q.kind))]) {
    const sub = rows.filter((r) => r.kind === kind);
    byKind[kind] = { kbsite: score(sub.map((r) => r.kbsite)), minisearch: score(sub.map((r) => r.minisearch)) };
  }
  return {
    kbsite: score(rows.map((r) => r.kbsite)),
    minisearch: score(rows.map((r) => r.minisearch)),
    byKind,
    rows,
  };
}

function print(res) {
  const f = (s) => `MRR@10 ${s.mrr.toFixed(3)}  recall@5 ${s.recall5.toFixed(3)}`;
  console.log(`${res.rows.length} queries (tests/search/queries.tsv)`);
  console.log(`  kbsite      ${f(res.kbsite)}`);
  console.log(`  MiniSearch  ${f(res.minisearch)}`);
  for (const [kind, s] of Object.entries(res.byKind)) {
    console.log(`  ${kind.padEnd(11)} (${s.kbsite.n})  kbsite ${f(s.kbsite)}   MiniSearch ${f(s.minisearch)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const res = await evaluate();
  print(res);
  if (process.argv.includes('--misses')) {
    for (const r of res.rows.filter((r) => r.kbsite !== 1)) console.log(`${r.kbsite ?? '-'}\t${r.minisearch ?? '-'}\t${r.kind}\t${r.query}\t${r.url}`);
  }
}
