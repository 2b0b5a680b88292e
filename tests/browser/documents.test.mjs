// Documents on an application, through the pages: the SME applies, lands on "提交成功，接下来…" (what happens
// next and when, the materials to upload, the steps still to come), uploads two documents (a PDF and a PNG,
// both made here) and sees a refused one explained in the page's language with the file's name; the bank
// sees both on its application page, with what is still missing, and downloads one. At 1366 px and 375 px,
// in Chinese and in English.
//
// The products are listed by the bank through the API (each run applies to its own, a firm having one open
// application per product) and approved by the operator, each with a 材料清单.
//
// Run from the repository root:  node --test tests/browser/documents.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { request } from 'playwright-core';
import { assertNoHorizontalScroll, origin, screenshot, useDemoServer, waitUntil, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;
const PASSWORD = 'Finmart2026';
const DESKTOP = { viewport: { width: 1366, height: 900 } };
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const MATERIALS = ['营业执照', '近一年财务报表', '纳税证明'];

useDemoServer({ name: 'documents', pollTimeoutMs: POLL_TIMEOUT_MS });

/** What a page shows, for failure messages. */
function pageState() {
  return {
    url: location.href,
    errors: Array.from(document.querySelectorAll('.form-errors, .field-error:not([hidden]), .error'), (p) => p.textContent.trim()),
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 400),
  };
}

/** A PDF: a header, one empty page and a trailer (what the server checks is the content, not the name). */
function pdf() {
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
function png() {
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

/** An API client signed in as `login` (cookies kept; the CSRF token sent on writes). */
async function apiAs(login) {
  const api = await request.newContext({ baseURL: origin });
  const signedIn = await api.post('/api/v1/session', { data: { login, password: PASSWORD } });
  assert.equal(signedIn.status(), 200, `${login} signs in: ${await signedIn.text()}`);
  const { csrf } = await signedIn.json();
  const post = async (path, data) => {
    const reply = await api.post(path, { data, headers: { 'x-csrf-token': csrf } });
    assert.ok(reply.ok(), `${login} POST ${path}: ${reply.status()} ${await reply.text()}`);
    return reply.json();
  };
  return { api, post };
}

const products = {};
let listed; // the products' listing, once, when the first test needs it (the server is up by then)

async function listProducts() {
  const bank = await apiAs('bank@finmart.demo');
  const operator = await apiAs('operator@finmart.demo');
  for (const run of ['zh-1366', 'zh-375', 'en-1366', 'en-375']) {
    const created = await bank.post('/api/v1/bank/products', {
      code: `DOCS-${run.toUpperCase()}`, name: `材料测试贷（${run}）`, family: 'credit',
      description: '浏览器测试上传申请材料用的产品。', amount_min_yuan: 100000, amount_max_yuan: 3000000,
      term_min_months: 6, term_max_months: 36, rate_min_pct: 3.6, rate_max_pct: 4.8, rate_basis: 'fixed',
      repayment_methods: ['equal_instalment'], collateral: [], eligibility: {}, policy_support: [],
      decision_days: 5, online: true, districts: ['all'], valid_from: '2026-01-01', materials: MATERIALS.join('|'),
    });
    const submitted = await bank.post(`/api/v1/bank/products/${created.id}/submit`, {});
    await operator.post(`/api/v1/reviews/${submitted.review_id}/approve`, {});
    products[run] = created.id;
  }
  await bank.api.dispose();
  await operator.api.dispose();
}

async function signIn(page, login) {
  await page.goto(`${origin}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
  await waitUntil(page, `${login} signed in`, () => !!document.querySelector('nav.account .who'), undefined, pageState);
}

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), page.locator(`${form} button[type=submit]`).click()]);
}

for (const [lang, width] of [['zh', 1366], ['zh', 375], ['en', 1366], ['en', 375]]) {
  const en = lang === 'en';
  const run = `${lang}-${width}`;
  const size = width === 375 ? PHONE : DESKTOP;
  test(`the SME applies and uploads, the bank downloads (${run})`, { timeout: TEST_TIMEOUT_MS }, async () => {
    listed ??= listProducts();
    await listed;
    const product = products[run];
    await withPage(size, async (sme) =>
      withPage(size, async (bank) => {
        await signIn(sme, 'sme@finmart.demo');
        await signIn(bank, 'bank@finmart.demo');

        // 1. Apply, and land on what happens next.
        await sme.goto(`${origin}/apply/${product}?lang=${lang}`);
        await sme.fill('#f-amount', '50');
        await sme.fill('#f-term', '12');
        await sme.selectOption('#f-purpose', 'working_capital');
        await submit(sme, `form[action="/apply/${product}"]`);
        await waitUntil(sme, 'the next-step view', () => /\/sme\/applications\/\d+\/submitted$/.test(location.pathname), undefined, pageState);
        const applicationId = Number(new URL(sme.url()).pathname.split('/')[3]);
        const heading = (await sme.locator('h1[data-next-step]').textContent()).trim();
        assert.equal(heading, en ? 'Submitted. What happens next…' : '提交成功，接下来…');
        const decision = await sme.locator('[data-decision-days]').textContent();
        assert.ok(decision.includes(en ? '5 working days' : '5 个工作日'), `the product's decision time: ${decision}`);
        const upcoming = await sme.locator('ol.upcoming li').evaluateAll((items) => items.map((li) => li.dataset.upcoming));
        assert.deepEqual(upcoming, ['accepted', 'approved', 'disbursed'], 'the steps to come');
        const grey = await sme.locator('ol.upcoming').evaluate((ol) => getComputedStyle(ol).color);
        assert.notEqual(grey, 'rgb(0, 0, 0)', 'the steps to come are greyed');
        const missing = await sme.locator('ul.materials li.missing').count();
        assert.equal(missing, 3, 'every listed material is still missing');
        await assertNoHorizontalScroll(sme, `the next-step view (${run})`, width);
        await screenshot(sme, `documents-next-${run}`);

        // 2. Upload a PDF and a PNG for two listed materials.
        await Promise.all([sme.waitForNavigation(), sme.locator('a[data-upload-link]').click()]);
        await waitUntil(sme, 'the upload page', () => !!document.querySelector('#upload-form'), undefined, pageState);
        for (const [material, file] of [['营业执照', { name: '营业执照.pdf', mimeType: 'application/pdf', buffer: pdf() }],
          ['纳税证明', { name: 'tax-proof.png', mimeType: 'image/png', buffer: png() }]]) {
          await sme.selectOption('#f-material', material);
          await sme.setInputFiles('#f-file', file);
          await submit(sme, '#upload-form');
          await waitUntil(sme, `${file.name} uploaded`, (name) => !!document.querySelector('[data-uploaded]')
            && document.querySelector('table.documents')?.textContent.includes(name), file.name, pageState);
        }
        assert.equal(await sme.locator('table.documents tbody tr').count(), 2, 'two files kept');

        // 3. A file that is no PDF, whatever its name says: refused in the page's language, naming it.
        await sme.setInputFiles('#f-file', { name: '假的.pdf', mimeType: 'application/pdf', buffer: Buffer.from('only text, named as a PDF') });
        await submit(sme, '#upload-form');
        const refusal = (await sme.locator('#upload-error').textContent()).trim();
        const expected = en ? 'the file “假的.pdf” is not a PDF, JPEG, PNG or XLSX file' : '文件“假的.pdf”不是 PDF、JPEG、PNG 或 XLSX 文件';
        assert.ok(refusal.includes(expected), `the refusal: ${refusal}`);
        assert.ok(!/invalid_file|wrong_type/.test(refusal), 'no codes on the page');
        assert.equal(await sme.locator('table.documents tbody tr').count(), 2, 'nothing kept');
        await assertNoHorizontalScroll(sme, `the upload page (${run})`, width);
        await screenshot(sme, `documents-upload-${run}`);

        // 4. The bank sees both, with what is missing, and downloads one.
        await bank.goto(`${origin}/bank/applications/${applicationId}?lang=${lang}`);
        const rows = bank.locator('#documents table.documents tbody tr');
        assert.equal(await rows.count(), 2, 'both documents on the bank page');
        assert.equal(await bank.locator('#documents li.missing').count(), 1, 'one material still missing');
        assert.equal((await bank.locator('#documents li.missing').getAttribute('data-material')), '近一年财务报表');
        const [download] = await Promise.all([
          bank.waitForEvent('download'),
          bank.locator('#documents a[href$="/documents/' + (await rows.first().getAttribute('data-document')) + '"]').click(),
        ]);
        assert.equal(download.suggestedFilename(), '营业执照.pdf');
        const path = await download.path();
        const { readFile } = await import('node:fs/promises');
        assert.deepEqual(await readFile(path), pdf(), 'the bytes uploaded');
        await assertNoHorizontalScroll(bank, `the bank's application page (${run})`, width);
        await screenshot(bank, `documents-bank-${run}`);
      }),
    );
  });
}
