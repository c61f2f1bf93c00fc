// The JavaScript search core against the same golden files as the Rust
// indexer: queries must be tokenized exactly as documents were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './browser.mjs';

const core = createRequire(import.meta.url)(path.join(repoRoot, 'themes/default/static/kbsite-search.js'));

function golden(file) {
  return fs.readFileSync(path.join(repoRoot, 'tests/search', file), 'utf8')
    .split('\n').slice(1).filter(Boolean)
    .map((line) => { const [input, tokens = ''] = line.split('\t'); return { input, tokens }; });
}

test('tokens.tsv: the JS tokenizer matches the Rust one', () => {
  const cases = golden('tokens.tsv');
  assert.ok(cases.length >= 30);
  for (const { input, tokens } of cases) assert.equal(core.tokens(input).join(' '), tokens, input);
});

test('words.tsv: every corpus word stems the same in JS and Rust', () => {
  const cases = golden('words.tsv');
  assert.ok(cases.length > 5000);
  const wrong = cases.filter(({ input, tokens }) => core.tokens(input).join(' ') !== tokens);
  assert.deepEqual(wrong.slice(0, 10), []);
});

test('stemmer: Snowball English examples', () => {
  for (const [w, s] of [['caresses', 'caress'], ['ponies', 'poni'], ['ties', 'tie'], ['cats', 'cat'],
    ['feed', 'feed'], ['agreed', 'agre'], ['plastered', 'plaster'], ['motoring', 'motor'], ['sing', 'sing'],
    ['conflated', 'conflat'], ['hopping', 'hop'], ['filing', 'file'], ['happy', 'happi'], ['generously', 'generous'],
    ['communication', 'communic'], ['skies', 'sky'], ['dying', 'die'], ['succeeding', 'succeed']]) {
    assert.equal(core.stem(w), s, w);
  }
});
