// The marketplace journey in three browsers at once (three browser contexts: three people, three
// sessions), through the pages only: the bank lists a product and submits it, the operator approves it, the
// SME finds it, applies (double-clicking the button), the bank accepts, approves and disburses, and the SME
// sees every step. The SME's pages are also checked at phone width.
//
// Run from the repository root:  node --test tests/browser/journey.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoHorizontalScroll, origin, screenshot, useDemoServer, waitUntil, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;
const PASSWORD = 'Finmart2026';
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PRODUCT = '三窗旅程贷';

useDemoServer({ name: 'journey', pollTimeoutMs: POLL_TIMEOUT_MS });

/** What a page shows, for failure messages. */
function pageState() {
  return {
    url: location.href,
    title: document.title,
    errors: Array.from(document.querySelectorAll('.field-error:not([hidden]), .error'), (p) => `${p.id}: ${p.textContent.trim()}`),
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 300),
  };
}

async function signIn(page, login) {
  await page.goto(`${origin}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
  await waitUntil(page, `${login} signed in`, () => !!document.querySelector('nav.account .who'), undefined, pageState);
}

async function submitForm(page, buttonText) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: buttonText }).first().click()]);
}

test('a bank, the operator and an SME walk the journey in three browsers', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (bank) =>
    withPage(DESKTOP, async (operator) =>
      withPage(PHONE, async (sme) => {
        await signIn(bank, 'bank@finmart.demo');
        await signIn(operator, 'operator@finmart.demo');
        await signIn(sme, 'sme@finmart.demo');

        // 1. The bank lists a product (every field typed into the form) and submits it for review.
        await bank.goto(`${origin}/bank/products/new`);
        const text = {
          code: 'SANCHUANG-01', name: PRODUCT, description: '三个浏览器同时走完整流程的测试产品。',
          amount_min: '10', amount_max: '300', term_min: '6', term_max: '36', decision_days: '3', valid_from: '2026-01-01',
        };
        for (const [name, value] of Object.entries(text)) await bank.fill(`#f-${name}`, value);
        await bank.selectOption('#f-family', 'credit');
        await bank.check('#f-rate_form-fixed');
        await bank.fill('#f-fixed_min', '3.6');
        await bank.fill('#f-fixed_max', '4.8');
        await bank.check('#f-repayment-stated');
        await bank.check('input[name=repayment_methods][value=equal_instalment]');
        await bank.check('#f-online-true');
        await bank.check('input[name=area_scope][value=city]');
        await submitForm(bank, '保存草稿');
        await waitUntil(bank, 'the draft saved', () => /\/bank\/products\/\d+/.test(location.pathname), undefined, pageState);
        const productId = Number(new URL(bank.url()).pathname.split('/').pop());
        await bank.goto(`${origin}/bank/products`);
        await Promise.all([bank.waitForNavigation(), bank.locator(`form[action="/bank/products/${productId}/submit"] button`).click()]);

        // The SME cannot find it yet.
        await sme.goto(`${origin}/?q=${encodeURIComponent(PRODUCT)}`);
        assert.ok(!(await sme.content()).includes(`/products/${productId}"`), 'not listed before approval');

        // 2. The operator approves it.
        await operator.goto(`${origin}/admin/reviews`);
        const review = operator.locator('main section').filter({ has: operator.locator('h2', { hasText: PRODUCT }) });
        assert.equal(await review.count(), 1, 'the submission is queued once');
        await Promise.all([operator.waitForNavigation(), review.getByRole('button', { name: '审核通过' }).click()]);

        // 3. The SME finds it (within a second or so of the approval) and applies, clicking twice.
        let found = false;
        for (let i = 0; i < 30 && !found; i++) {
          await sme.goto(`${origin}/?q=${encodeURIComponent(PRODUCT)}`);
          found = (await sme.locator(`a[href="/products/${productId}"]`).count()) > 0;
          if (!found) await sme.waitForTimeout(200);
        }
        assert.ok(found, 'the approved product is found by search');
        await sme.goto(`${origin}/products/${productId}`);
        await Promise.all([sme.waitForNavigation(), sme.locator('a[data-apply]').click()]);
        await sme.fill('#f-amount', '50');
        await sme.fill('#f-term', '12');
        await sme.selectOption('#f-purpose', 'working_capital');
        await sme.fill('#f-purpose_text', '三窗测试采购');
        const button = sme.getByRole('button', { name: '提交申请' });
        // The second click of a double click may abort the first submission's navigation (the browser then
        // follows the second): wait for where it lands, not for one navigation.
        await button.dblclick();
        await waitUntil(sme, 'the application page', () => /\/sme\/applications\/\d+/.test(location.pathname), undefined, pageState);
        // Submitting lands on the application's "what happens next" view (/sme/applications/{id}/submitted).
        const applicationId = Number(new URL(sme.url()).pathname.match(/\/sme\/applications\/(\d+)/)[1]);
        await assertNoHorizontalScroll(sme, 'the SME application page on a phone', 375);
        await sme.goto(`${origin}/sme/applications`);
        const listed = await sme.locator(`a[href="/sme/applications/${applicationId}"]`).count();
        assert.ok(listed >= 1, 'the application is listed');
        assert.equal((await sme.content()).split('三窗测试采购').length - 1 <= 1, true, 'a double click makes one application');

        // 4. The bank accepts, approves and disburses from its inbox.
        await bank.goto(`${origin}/bank/inbox`);
        await Promise.all([bank.waitForNavigation(), bank.locator(`a[href="/bank/applications/${applicationId}"]`).first().click()]);
        await submitForm(bank, '受理');
        // 审批通过 with its terms, restated on a confirmation page first.
        await bank.fill('#fap-amount', '50');
        await bank.fill('#fap-rate', '3.85');
        await bank.fill('#fap-term', '12');
        await bank.selectOption('#fap-method', 'equal_instalment');
        await submitForm(bank, '审批通过…');
        assert.ok((await bank.content()).includes('确认审批通过'), 'the approval is restated first');
        await submitForm(bank, '确认');
        // The payment form starts from the approval: the whole amount, its rate and term, today.
        assert.equal(await bank.inputValue('#f-amount'), '50');
        assert.equal(await bank.inputValue('#f-rate'), '3.85');
        await submitForm(bank, '放款…');
        assert.ok((await bank.content()).includes('确认放款'), 'the payment is restated first');
        await submitForm(bank, '确认');
        await waitUntil(bank, 'disbursed', () => document.body.textContent.includes('已放款'), undefined, pageState);

        // 5. The SME sees each step.
        await sme.goto(`${origin}/sme/applications/${applicationId}`);
        const page = await sme.content();
        for (const step of ['已提交', '已受理', '已审批通过', '已放款']) assert.ok(page.includes(step), `the timeline shows ${step}`);
        await assertNoHorizontalScroll(sme, 'the SME timeline on a phone', 375);
        await screenshot(sme, 'journey-sme-timeline');
      }),
    ),
  );
});

test('keyboard only: sign in and reach the inbox', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/login`);
    await page.focus('#f-login');
    await page.keyboard.type('bank@finmart.demo');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/bank\/inbox$/);
    const wrong = await page.evaluate(async () => (await fetch('/api/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status);
    assert.equal(wrong, 403, 'a script without the CSRF token is refused');
  });
});

test('every workspace page fits a phone and answers in Chinese', { timeout: TEST_TIMEOUT_MS }, async () => {
  const pages = {
    'sme@finmart.demo': ['/sme/applications', '/sme/needs', '/sme/profile', '/sme/consent', '/notifications', '/audit'],
    'bank@finmart.demo': ['/bank/inbox', '/bank/products', '/bank/products/new', '/bank/products/upload', '/bank/needs', '/bank/candidates', '/bank/tokens', '/notifications'],
    'operator@finmart.demo': ['/admin/reviews', '/admin/accounts', '/audit'],
    'agency@finmart.demo': ['/agency/products'],
  };
  for (const [login, paths] of Object.entries(pages)) {
    await withPage(PHONE, async (page) => {
      await signIn(page, login);
      for (const path of paths) {
        const response = await page.goto(`${origin}${path}`);
        assert.equal(response.status(), 200, `${login} ${path}`);
        assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN', `${path} is Chinese first`);
        await assertNoHorizontalScroll(page, `${path} for ${login} on a phone`, 375);
      }
    });
  }
});
