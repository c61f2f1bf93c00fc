// Runs the theme's real search client in Node on a built site's shards:
// the same code the browser runs, with file reads in place of <script>.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './browser.mjs';

export const core = createRequire(import.meta.url)(path.join(repoRoot, 'themes/default/static/kbsite-search.js'));

/** An index over `siteDir/search/`, counting the bytes it loads. */
export function nodeIndex(siteDir) {
  const registry = new core.Registry();
  const load = (url, name, done) => {
    setImmediate(() => {
      let code;
      try { code = fs.readFileSync(url, 'utf8'); } catch (e) { done(e); return; }
      new Function('kbsiteSearch', code)(registry);
      done(null, Buffer.byteLength(code));
    });
  };
  return new core.Index(path.join(siteDir, 'search') + path.sep, load, registry);
}
