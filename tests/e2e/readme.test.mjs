// The README, followed word for word as a newcomer would: every command in
// its ```sh blocks runs as written (through `sh -c`), in a copy of the
// repository as a fresh clone has it, in the folder the README implies
// (the repository; a `cd` line moves the lines after it). Where the README
// says a thing happens, the check beside the command looks: the built site
// opens from disk in Chromium and search answers, `serve --open` opens the
// site and a save reloads the open page, the zip unzipped opens from disk,
// `kbsite new` gives a site that builds with no warning.
//
// `cargo` and `kbsite` are stand-ins on PATH: the already built binary
// (KBSITE_BIN, else target/debug/kbsite) stands for `cargo run --release
// --` and for the one that `cargo install --locked --path .` installs (the
// stand-in checks it runs in the repository, with its Cargo.lock).
// `scripts/test` is the command running this test: its check is that
// .ci/run runs exactly it.
//
// A command added to the README without a check here fails the first test.
// Run: cargo build && cd tests/e2e && npm ci && node --test readme.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { launch, openPage, repoRoot } from './browser.mjs';

const BIN = process.env.KBSITE_BIN || path.join(repoRoot, 'target', 'debug', 'kbsite');
const POLICY_MD = 'content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md';
const POLICY_PAGE = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/';

// The commands of the README's ```sh blocks, block by block.
export function readmeBlocks(text) {
  const blocks = [];
  for (const m of text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = m[1].replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
    blocks.push(lines.filter((l) => l && !l.startsWith('#')));
  }
  return blocks;
}

let work, clone, shims, browser;

// The repository's files as a clone has them (tracked, and new files not
// ignored), copied to `dest`.
function copyRepository(dest) {
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot, encoding: 'utf8',
  });
  assert.equal(ls.status, 0, ls.stderr);
  for (const rel of ls.stdout.split('\0').filter(Boolean)) {
    const from = path.join(repoRoot, rel);
    if (!fs.existsSync(from)) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
    fs.chmodSync(path.join(dest, rel), fs.statSync(from).mode);
  }
}

// The stand-ins: kbsite (the built binary), cargo (run/install as the
// README uses them) and xdg-open (records what `--open` opened).
function makeShims(dir) {
  fs.mkdirSync(dir);
  fs.symlinkSync(BIN, path.join(dir, 'kbsite'));
  fs.writeFileSync(path.join(dir, 'cargo'), `#!/bin/sh
case "$*" in
  "run --release -- "*) shift 3; exec kbsite "$@" ;;
  "install --locked --path .")
    grep -q '^name = "kbsite"' Cargo.toml && test -f Cargo.lock && exit 0
    echo "cargo install: not the kbsite repository" >&2; exit 1 ;;
  *) echo "README test: no stand-in for cargo $*" >&2; exit 1 ;;
esac
`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'xdg-open'), '#!/bin/sh\necho "$1" >> "$KBSITE_OPENED"\n', { mode: 0o755 });
}

const env = () => ({
  ...process.env,
  PATH: `${shims}:${process.env.PATH}`,
  KBSITE_OPENED: path.join(work, 'opened.txt'),
  BROWSER: '',
});

// Runs `command` with sh in `cwd` and waits for it.
function run(command, cwd) {
  const r = spawnSync('sh', ['-c', command], { cwd, env: env(), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// Starts a long-running `command` (serve) in `cwd`; resolves once it prints
// the address it serves at.
function start(command, cwd) {
  const child = spawn('sh', ['-c', command], { cwd, env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const said = [];
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
  const address = new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`\`${command}\` exited with ${code}:\n${said.join('\n')}`)));
    readline.createInterface({ input: child.stderr }).on('line', (l) => said.push(l));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      said.push(line);
      const m = /^Serving at (http:\/\/\S+\/)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  return { address, stop, said };
}

// What a reader sees of a site opened from disk: the page, styled, with
// no failed request or script error, and search answering `query`.
async function opensFromDisk(file, query) {
  const { page, context, problems } = await openPage(browser, pathToFileURL(file).href);
  assert.ok(await page.locator('h1').first().isVisible(), `${file}: a heading shows`);
  const bg = await page.locator('.kb-header').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', `${file}: the stylesheet is applied`);
  await page.locator('[data-kb-search]').first().fill(query);
  await page.locator('[data-kb-results] a').first().waitFor();
  assert.deepEqual(problems, [], `${file}: nothing broken`);
  await context.close();
}

// `serve --open` started by `command` in `cwd`: the browser is sent to the
// site, the page at `rel` shows, and saving `file` (changed by `edit`)
// reloads it with `marker` in it.
async function servesAndReloads(command, cwd, { rel, file, marker, edit }) {
  const opened = path.join(work, 'opened.txt');
  fs.rmSync(opened, { force: true });
  const server = start(command, cwd);
  try {
    const address = await server.address;
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(opened) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fs.readFileSync(opened, 'utf8').trim(), address, '--open opens the served site');
    const { page, context, problems } = await openPage(browser, address + rel);
    await page.waitForFunction(() => window.kbsiteLive === true);
    const loads = await page.evaluate(() => performance.timeOrigin);
    const target = path.join(cwd, file);
    fs.writeFileSync(target, edit(fs.readFileSync(target, 'utf8')));
    await page.waitForFunction((origin) => performance.timeOrigin !== origin, loads);
    await page.getByText(marker).first().waitFor();
    // The reload itself ends the old page's event stream.
    const broken = problems.filter((p) => !p.endsWith('/__kbsite/events'));
    assert.deepEqual(broken, [], 'nothing broken');
    await context.close();
  } finally {
    server.stop();
  }
}

// The summary line of a build: "... N errors, N warnings, ...".
function counts(out) {
  const m = /(\d+) errors?, (\d+) warnings?/.exec(out);
  assert.ok(m, `a summary line in:\n${out}`);
  return { errors: Number(m[1]), warnings: Number(m[2]) };
}

// Each README command and what the README says happens when it runs.
// `cwd` is the folder the command ran in; `r` its result (status, output),
// or for `serve` nothing: the check starts it itself.
const CHECKS = {
  'cargo run --release -- build': async (cwd, r) => {
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /public/, 'it prints where the site went');
    await opensFromDisk(path.join(cwd, 'public', 'index.html'), 'storage');
  },
  'scripts/test': async () => {
    // This test runs inside it; CI runs exactly it.
    const ci = fs.readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
    const lines = ci.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    assert.deepEqual(lines, ['exec "$(dirname "$0")/../scripts/test"'], '.ci/run runs the README test command');
  },
  'cargo install --locked --path .': async (cwd, r) => assert.equal(r.status, 0, r.out),
  'kbsite new my-kb': async (cwd, r) => {
    assert.equal(r.status, 0, r.out);
    assert.ok(fs.existsSync(path.join(cwd, 'my-kb', 'kbsite.yml')));
    assert.match(r.out, /kbsite serve --open/, 'it says what to run next');
  },
  'cd my-kb': async (cwd) => assert.ok(fs.existsSync(path.join(cwd, 'kbsite.yml'))),
  'kbsite serve --open': async (cwd) => {
    await servesAndReloads('kbsite serve --open', cwd, {
      rel: 'getting-started/index.html',
      file: 'content/getting-started.md',
      marker: 'A sentence saved while serving.',
      edit: (t) => `${t}\nA sentence saved while serving.\n`,
    });
    // "kbsite build in the same folder writes the site": with no warning.
    const b = run('kbsite build', cwd);
    assert.equal(b.status, 0, b.out);
    assert.deepEqual(counts(b.out), { errors: 0, warnings: 0 }, b.out);
    await opensFromDisk(path.join(cwd, 'public', 'index.html'), 'getting started');
  },
  'cargo run --release -- build --zip kb.zip': async (cwd, r) => {
    assert.equal(r.status, 0, r.out);
    const unzipped = path.join(work, 'unzipped');
    const x = spawnSync('python3', ['-m', 'zipfile', '-e', path.join(cwd, 'kb.zip'), unzipped], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    await opensFromDisk(path.join(unzipped, 'index.html'), 'cluster');
  },
  'cargo run --release -- serve --open': async (cwd) => {
    await servesAndReloads('cargo run --release -- serve --open', cwd, {
      rel: POLICY_PAGE,
      file: POLICY_MD,
      marker: 'Saved while the README test serves.',
      edit: (t) => t.replace('This article outlines', 'Saved while the README test serves. This article outlines'),
    });
  },
};

// Commands whose check starts them itself (they run until stopped), and
// the one that is this test.
const STARTED_BY_CHECK = new Set(['kbsite serve --open', 'cargo run --release -- serve --open']);
const NOT_RUN = new Set(['scripts/test']);

before(async () => {
  assert.ok(fs.existsSync(BIN), `kbsite binary not found at ${BIN}: run \`cargo build\` first or set KBSITE_BIN`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kbsite-readme-'));
  clone = path.join(work, 'kbsite');
  copyRepository(clone);
  shims = path.join(work, 'bin');
  makeShims(shims);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const blocks = readmeBlocks(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));

test('every command in the README has a check, and every check a command', () => {
  const commands = blocks.flat();
  assert.ok(commands.length > 0, 'the README shows commands');
  const unchecked = commands.filter((c) => !(c in CHECKS));
  const stale = Object.keys(CHECKS).filter((c) => !commands.includes(c));
  assert.deepEqual(unchecked, [], 'README commands with no check in tests/e2e/readme.test.mjs');
  assert.deepEqual(stale, [], 'checks of commands the README no longer shows');
});

for (const [n, block] of blocks.entries()) {
  test(`README block ${n + 1}: ${block.join(' && ')}`, async () => {
    let cwd = clone;
    for (const command of block) {
      const check = CHECKS[command];
      assert.ok(check, `no check for \`${command}\``);
      const cd = /^cd (.+)$/.exec(command);
      if (cd) {
        cwd = path.resolve(cwd, cd[1]);
        await check(cwd);
      } else if (STARTED_BY_CHECK.has(command) || NOT_RUN.has(command)) {
        await check(cwd);
      } else {
        await check(cwd, run(command, cwd));
      }
    }
  });
}

// The synopsis under "Command line" names every subcommand and option the
// binary has, and no other.
test('the command-line synopsis matches the binary', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const synopsis = /## Command line\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(synopsis, 'a ```text synopsis under "## Command line"');
  for (const line of synopsis.trim().split('\n')) {
    const [, sub] = line.split(' ');
    const documented = [...line.matchAll(/--[a-z-]+/g)].map((m) => m[0]).sort();
    const help = spawnSync(BIN, [sub, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, `kbsite ${sub} --help`);
    const real = [...new Set([...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]))]
      .filter((f) => f !== '--help').sort();
    assert.deepEqual(documented, real, `kbsite ${sub}: README synopsis vs --help`);
  }
});
