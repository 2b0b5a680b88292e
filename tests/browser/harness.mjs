// The shared harness of the browser tests: the real binary (`finmart demo`) on a free port with a fresh
// SQLite database in a temp dir, Debian's Chromium through playwright-core, and the helpers the test files
// share: the two window sizes, signing in (through the login page, or through the API for setting up), a
// product listed and approved, small real PDF and PNG files, and Chinese typed through an input method.
// Each test file runs in its own process under `node --test`, so the state here is per file.
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
import { deflateSync } from 'node:zlib';
import { chromium, request } from 'playwright-core';

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

// ---------------------------------------------------------------------------------------------------------
// People, products and files

/** The demo accounts' password (`finmart demo`). */
export const PASSWORD = 'Finmart2026';
/** A desktop window and a phone (375 px, touch, the layout viewport checked by assertNoHorizontalScroll). */
export const DESKTOP = { viewport: { width: 1366, height: 900 } };
export const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The page's address, its alerts and the start of its main text: what a failed wait reports by default. */
export function pageSummary() {
  return {
    url: location.href,
    alerts: Array.from(document.querySelectorAll('[role=alert], .field-error:not([hidden]), .error'), (e) => e.textContent.trim()),
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 400),
  };
}

/**
 * Signs `login` in through the login page (in `lang`, 'zh' or 'en', when given), landing on `next` when
 * given (else the account's home). Signed in is: the login page left (a refusal shows the form again).
 */
export async function signIn(page, login, { lang, next } = {}) {
  const query = new URLSearchParams();
  if (lang) query.set('lang', lang);
  if (next) query.set('next', next);
  await page.goto(`${origin}/login${query.size > 0 ? `?${query}` : ''}`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
  await waitUntil(page, `${login} signed in`, () => location.pathname !== '/login', undefined, pageSummary);
}

/**
 * `login` signed in to the JSON API, as a client script would be: in its own request context, or in a
 * browser context's (whose pages then share the session). `call` answers {status, json}; `post` and `get`
 * fail the test unless the answer is a success, and answer its JSON.
 */
export async function apiAs(login, browserContext) {
  const api = browserContext ? browserContext.request : await request.newContext({ baseURL: origin });
  const signedIn = await api.post(`${origin}/api/v1/session`, { data: { login, password: PASSWORD } });
  assert.equal(signedIn.status(), 200, `${login} signs in: ${await signedIn.text()}`);
  const { csrf } = await signedIn.json();
  const call = async (method, url, data) => {
    const reply = await api.fetch(`${origin}${url}`, { method, data, headers: { 'x-csrf-token': csrf } });
    const text = await reply.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: reply.status(), json };
  };
  const ok = async (method, url, data) => {
    const reply = await call(method, url, data);
    assert.ok(reply.status >= 200 && reply.status < 300, `${login} ${method} ${url}: ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply.json;
  };
  return {
    call,
    get: (url) => ok('GET', url),
    post: (url, data) => ok('POST', url, data),
    dispose: async () => {
      if (!browserContext) await api.dispose();
    },
  };
}

/** A credit product's listing for the bank's API: 1–5,000 万元, 1–60 months, fixed 3.6–4.8%, everywhere. */
export function listing(code, name, extra = {}) {
  return {
    code, name, family: 'credit', description: '浏览器测试用的纯信用贷款。',
    amount_min_yuan: 10_000, amount_max_yuan: 50_000_000, term_min_months: 1, term_max_months: 60,
    rate_min_pct: 3.6, rate_max_pct: 4.8, rate_basis: 'fixed', repayment_methods: ['equal_instalment'],
    collateral: [], eligibility: {}, policy_support: [], decision_days: 3, online: true, districts: ['all'],
    valid_from: '2026-01-01', ...extra,
  };
}

/** Lists `product` as `bank`, submits it and approves it as `operator` (both from apiAs); answers its id. */
export async function publish(bank, operator, product) {
  const created = await bank.post('/api/v1/bank/products', product);
  const submitted = await bank.post(`/api/v1/bank/products/${created.id}/submit`, {});
  await operator.post(`/api/v1/reviews/${submitted.review_id}/approve`, {});
  return created.id;
}

/** A PDF: a header, one empty page and a trailer (what the server checks is the content, not the name). */
export function pdf() {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
}

/** CRC-32 (IEEE), for the PNG's chunks. */
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real 2×2 grey PNG: signature, IHDR, IDAT (zlib of the scanlines), IEND. */
export function png() {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0); // width
  header.writeUInt32BE(2, 4); // height
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.from([0, 0x80, 0x80, 0, 0x80, 0x80]); // filter byte + two pixels, twice
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Chinese typed through an input method

/**
 * Types pinyin into `selector` the way an input method does, through Chromium's DevTools protocol: each
 * syllable shown as it is typed, all of it still composing (`Input.imeSetComposition`). Answers `commit`,
 * which picks the characters (`Input.insertText`: the composition ends and the words are typed).
 */
export async function composePinyin(page, selector, syllables) {
  await page.locator(selector).focus();
  const cdp = await page.context().newCDPSession(page);
  let composing = '';
  for (const syllable of syllables) {
    composing += syllable;
    await cdp.send('Input.imeSetComposition', { text: composing, selectionStart: composing.length, selectionEnd: composing.length });
  }
  return {
    composing,
    commit: async (words) => {
      await cdp.send('Input.insertText', { text: words });
      await cdp.detach().catch(() => {});
    },
  };
}

/** Longer than any as-you-type wait before a request (the search waits 250 ms, app.js; matching 350 ms). */
export const PAST_THE_DEBOUNCE_MS = 1000;

/** The operator's view of today's search log (`operator` from apiAs): the total, and each query's count. */
export async function searchLog(operator) {
  const body = await operator.get('/api/v1/stats/market/searches?limit=200');
  const counts = new Map();
  for (const row of [...body.top, ...body.unmet]) counts.set(row.query, Math.max(counts.get(row.query) ?? 0, row.searches));
  return { total: body.searches, counts };
}
