// The shared harness of the browser tests: the real binary (`finmart demo`) on a free port with a fresh
// SQLite database in a temp dir, Debian's Chromium through playwright-core, and the helpers every test file
// uses. Each test file runs in its own process under `node --test`, so the state here is per file.
//
// The binary: $FINMART_BIN, else target/debug/finmart (build it first with `cargo build -p finmart`).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BIN = process.env.FINMART_BIN || fileURLToPath(new URL('../../target/debug/finmart', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STARTUP_TIMEOUT_MS = 120_000; // demo load + index build on a 2-core CI machine with a debug build
const SHUTDOWN_TIMEOUT_MS = 15_000;

let tmpDir;
let server; // the child process
let serverLog = ''; // its stdout and stderr, for failure messages
let browser;
let pollTimeoutMs = 10_000;
/** http://127.0.0.1:PORT once the server is up (a live binding: read it inside tests). */
export let origin;

/** Resolves with {code, signal} when `child` exits, or null after `ms`. */
function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(null);
    }, ms);
    function onExit(code, signal) {
      clearTimeout(timer);
      resolve({ code, signal });
    }
    child.once('exit', onExit);
  });
}

/** Starts `finmart demo` and resolves with its origin once it prints the URL it listens on. */
function startServer(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_BACKTRACE: '1' },
    });
    server = child;
    let settled = false;
    const finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new Error(`finmart did not print its URL within ${STARTUP_TIMEOUT_MS / 1000} s; output:\n${serverLog}`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      serverLog += chunk;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      serverLog += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(serverLog);
      if (match) finish(null, `http://127.0.0.1:${match[1]}`);
    });
    child.on('error', (error) => finish(new Error(`cannot start ${BIN}: ${error.message}`)));
    child.on('exit', (code, signal) =>
      finish(new Error(`finmart exited (code ${code}, signal ${signal}) before serving; output:\n${serverLog}`)),
    );
  });
}

process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});

/**
 * Registers the hooks that start `finmart demo` and Chromium before the file's tests and stop them after
 * (the server by SIGTERM, which must exit 0). `name` tags the temp directory; `pollTimeoutMs` bounds every
 * wait for the page to show something.
 */
export function useDemoServer({ name, pollTimeoutMs: poll }) {
  pollTimeoutMs = poll;
  before(
    async () => {
      assert.ok(existsSync(BIN), `no finmart binary at ${BIN}: run \`cargo build -p finmart\` or set FINMART_BIN`);
      tmpDir = await mkdtemp(path.join(os.tmpdir(), `finmart-browser-${name}-`));
      origin = await startServer(path.join(tmpDir, 'data'));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    },
    { timeout: STARTUP_TIMEOUT_MS + 90_000 },
  );

  after(
    async () => {
      try {
        if (browser) await browser.close().catch(() => {});
      } finally {
        try {
          if (server) {
            const alreadyExited = server.exitCode !== null || server.signalCode !== null;
            if (!alreadyExited) server.kill('SIGTERM');
            const exit = await waitForExit(server, SHUTDOWN_TIMEOUT_MS);
            if (exit === null) server.kill('SIGKILL');
            assert.ok(exit !== null, `finmart did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`);
            assert.ok(!alreadyExited, `finmart had already exited (code ${exit.code}, signal ${exit.signal}) before SIGTERM; output:\n${serverLog}`);
            assert.deepEqual(exit, { code: 0, signal: null }, `finmart's exit after SIGTERM; output:\n${serverLog}`);
          }
        } finally {
          if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
        }
      }
    },
    { timeout: SHUTDOWN_TIMEOUT_MS + 30_000 },
  );
}

/** Runs `body(page, context)` in a fresh browser context, closed afterwards whatever happens. */
export async function withPage(options, body) {
  const context = await browser.newContext({ ...options, locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(pollTimeoutMs);
    page.setDefaultNavigationTimeout(30_000);
    return await body(page, context);
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * Waits (bounded) until `predicate` holds in the page; on time-out fails with `describe()`'s view of the
 * page, so that a failure says what was there instead.
 */
export async function waitUntil(page, what, predicate, arg, describe) {
  try {
    await page.waitForFunction(predicate, arg, { timeout: pollTimeoutMs, polling: 50 });
  } catch (error) {
    const seen = describe ? await page.evaluate(describe, arg).catch((e) => `(cannot read the page: ${e.message})`) : '';
    assert.fail(`timed out after ${pollTimeoutMs / 1000} s waiting for ${what}; the page had: ${JSON.stringify(seen)}\n${error.message}`);
  }
}

export async function screenshot(page, name) {
  const file = path.join(os.tmpdir(), `finmart-browser-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  console.log(`screenshot (${name}): ${file}`);
}

/** The page must not scroll sideways (and, given `width`, a phone must not have widened its layout viewport). */
export async function assertNoHorizontalScroll(page, where, width) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth + 1, `${where}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
  if (width) assert.equal(innerWidth, width, `${where}: the layout viewport grew to ${innerWidth} px`);
}
