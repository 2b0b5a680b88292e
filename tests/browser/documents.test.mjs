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
import { readFile } from 'node:fs/promises';
import {
  apiAs, assertNoHorizontalScroll, DESKTOP, listing, origin, pdf, PHONE, png, publish, screenshot, signIn,
  useDemoServer, waitUntil, withPage,
} from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;
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

const products = {};
let listed; // the products' listing, once, when the first test needs it (the server is up by then)

async function listProducts() {
  const bank = await apiAs('bank@finmart.demo');
  const operator = await apiAs('operator@finmart.demo');
  for (const run of ['zh-1366', 'zh-375', 'en-1366', 'en-375']) {
    products[run] = await publish(bank, operator, listing(`DOCS-${run.toUpperCase()}`, `材料测试贷（${run}）`, {
      description: '浏览器测试上传申请材料用的产品。', amount_min_yuan: 100000, amount_max_yuan: 3000000,
      term_min_months: 6, term_max_months: 36, decision_days: 5, materials: MATERIALS.join('|'),
    }));
  }
  await bank.dispose();
  await operator.dispose();
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
        assert.deepEqual(await readFile(await download.path()), pdf(), 'the bytes uploaded');
        await assertNoHorizontalScroll(bank, `the bank's application page (${run})`, width);
        await screenshot(bank, `documents-bank-${run}`);
      }),
    );
  });
}
