// Contact and conversation, through the pages, in Chinese and in English, at desktop and phone width: the
// SME messages the bank on its application; the bank sees the unread count in its inbox, reads the message
// and replies; the bank invites a consenting firm from its candidates list (reverse matching); the invited
// firm sees the invitation with the bank, the note and the 客户经理, and declines it (so the next round can
// invite again). Setting up (two products listed and approved, one application, the firm's consent) goes
// through the JSON API with each person's own session, as a client script would.
//
// Run from the repository root:  node --test tests/browser/conversation.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiAs, assertNoHorizontalScroll, DESKTOP, listing, origin, PHONE, publish, screenshot, signIn, useDemoServer,
  waitUntil, withPage,
} from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 420_000;

useDemoServer({ name: 'conversation', pollTimeoutMs: POLL_TIMEOUT_MS });

function pageState() {
  return {
    url: location.href,
    errors: Array.from(document.querySelectorAll('.field-error:not([hidden]), .error'), (p) => p.textContent.trim()),
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 400),
  };
}

/** The page's text must be in its language: the other language's words of these pages do not appear. */
async function assertLanguage(page, en, where) {
  const text = await page.evaluate(() => document.querySelector('main').innerText);
  const foreign = en ? ['联系与消息', '申请邀请', '去申请', '发送', '客户经理 '] : ['Contact and messages', 'Invitations to apply', 'Send', 'Relationship manager'];
  for (const word of foreign) assert.ok(!text.includes(word), `${where}: “${word}” on a ${en ? 'English' : 'Chinese'} page`);
}

test('the SME and the bank talk on an application, and the bank invites a candidate', { timeout: TEST_TIMEOUT_MS }, async () => {
  const [setupBank, setupOperator, setupSme, setupFirm] = await Promise.all(
    ['bank@finmart.demo', 'operator@finmart.demo', 'sme@finmart.demo', 'sme2@finmart.demo'].map((login) => apiAs(login)),
  );
  try {
    const bankId = (await setupBank.get('/api/v1/session')).account.institution_id;
    // The candidate: the second demo firm, allowing the bank, fitting a product made for it alone (its
    // district and exactly its revenue), so that it is on the bank's candidates list.
    const firm = await setupFirm.get('/api/v1/me/profile');
    await setupFirm.post('/api/v1/me/consents', { institution_id: bankId });
    const revenue = firm.profile.revenue;
    const yuan = `${Math.trunc(revenue / 100)}.${String(revenue % 100).padStart(2, '0')}`;
    const tailored = await publish(setupBank, setupOperator, listing('CONV-CAND', '邀请测试专属贷', {
      description: '联络与消息浏览器测试用的纯信用贷款。', eligibility: `revenue_yuan=${yuan}..${yuan}`, districts: [firm.profile.district],
    }));
    const product = await publish(setupBank, setupOperator, listing('CONV-APPLY', '消息测试贷', { description: '联络与消息浏览器测试用的纯信用贷款。' }));
    // The SME's application to the bank (wait for the approved product to be listed).
    let applied;
    for (let i = 0; i < 50; i++) {
      applied = await setupSme.call('POST', '/api/v1/applications', {
        product_id: product, amount: '200000', term: '12', purpose: 'working_capital', idempotency_key: `conv-${i}`,
      });
      if (applied.status === 201 || applied.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok([200, 201].includes(applied.status), JSON.stringify(applied.json));
    const application = applied.json.id;
    // A 客户经理 for the invitations.
    const manager = await setupBank.post('/api/v1/institution/managers', { name: '周敏', phone: '13600001111' });

    const rounds = [
      { en: false, view: DESKTOP, width: 1366 },
      { en: false, view: PHONE, width: 375 },
      { en: true, view: DESKTOP, width: 1366 },
      { en: true, view: PHONE, width: 375 },
    ];
    for (const [n, round] of rounds.entries()) {
      const lang = round.en ? '?lang=en' : '?lang=zh';
      const tag = `${round.en ? 'en' : 'zh'}-${round.width}`;
      await withPage(round.view, async (sme) =>
        withPage(round.view, async (bank) =>
          withPage(round.view, async (invited) => {
            await signIn(sme, 'sme@finmart.demo');
            await signIn(bank, 'bank@finmart.demo');
            await signIn(invited, 'sme2@finmart.demo');

            // 1. The SME writes from its application.
            await sme.goto(`${origin}/sme/applications/${application}${lang}`);
            await Promise.all([sme.waitForNavigation(), sme.locator(`a[href="/applications/${application}/conversation"]`).click()]);
            const question = `第 ${n + 1} 轮：请问还需要哪些材料？(${tag})`;
            await sme.fill('#f-body', question);
            await Promise.all([sme.waitForNavigation(), sme.getByRole('button', { name: round.en ? 'Send' : '发送' }).click()]);
            await waitUntil(sme, 'the message in the thread', (q) => document.querySelector('ol.thread').textContent.includes(q), question, pageState);
            await assertNoHorizontalScroll(sme, `the SME's conversation (${tag})`, round.width);
            await assertLanguage(sme, round.en, `the SME's conversation (${tag})`);
            // An empty message is refused beside the field, in the page's language.
            await Promise.all([sme.waitForNavigation(), sme.getByRole('button', { name: round.en ? 'Send' : '发送' }).click()]);
            const error = await sme.locator('#e-body').textContent();
            assert.ok(round.en ? /empty/.test(error) : error.includes('不能为空'), `the refusal says why: ${error}`);

            // 2. The bank sees the count in its inbox, reads it and replies.
            await bank.goto(`${origin}/bank/inbox${lang}`);
            const badge = bank.locator(`a.badge[href="/applications/${application}/conversation"]`);
            assert.equal(await badge.count(), 1, 'the inbox shows the unread count');
            await assertNoHorizontalScroll(bank, `the bank's inbox (${tag})`, round.width);
            await Promise.all([bank.waitForNavigation(), badge.click()]);
            assert.ok((await bank.locator('ol.thread').textContent()).includes(question), 'the bank reads the message');
            assert.ok((await bank.locator('main').textContent()).includes('王芳'), 'the bank sees the applicant contact');
            const reply = `第 ${n + 1} 轮回复：请补充纳税证明。`;
            await bank.fill('#f-body', reply);
            await Promise.all([bank.waitForNavigation(), bank.getByRole('button', { name: round.en ? 'Send' : '发送' }).click()]);
            await assertNoHorizontalScroll(bank, `the bank's conversation (${tag})`, round.width);
            await assertLanguage(bank, round.en, `the bank's conversation (${tag})`);
            await sme.goto(`${origin}/applications/${application}/conversation`);
            assert.ok((await sme.locator('ol.thread').textContent()).includes(reply), 'the SME reads the reply');

            // 3. The bank invites the candidate from its candidates list.
            await bank.goto(`${origin}/bank/candidates?product=${tailored}&limit=100${lang.replace('?', '&')}`);
            const invite = bank.locator(`a[href^="/bank/invitations/new?enterprise=${firm.enterprise_id}&"]`);
            assert.equal(await invite.count(), 1, 'the consenting firm is listed with an invite link');
            await assertNoHorizontalScroll(bank, `the candidates list (${tag})`, round.width);
            await Promise.all([bank.waitForNavigation(), invite.click()]);
            const note = `欢迎申请（${tag}）`;
            await bank.fill('#f-note', note);
            await bank.selectOption('#f-manager_id', String(manager.id));
            await Promise.all([bank.waitForNavigation(), bank.getByRole('button', { name: round.en ? 'Send invitation' : '发出邀请' }).click()]);
            await waitUntil(bank, 'the invitation listed', () => location.pathname === '/bank/invitations', undefined, pageState);
            const row = bank.locator('tbody tr').first();
            assert.ok((await row.textContent()).includes(round.en ? 'Sent' : '已发送'), 'the bank sees it sent');
            await assertNoHorizontalScroll(bank, `the bank's invitations (${tag})`, round.width);
            await assertLanguage(bank, round.en, `the bank's invitations (${tag})`);

            // 4. The invited firm sees it, with the bank, the note and the 客户经理, and declines.
            await invited.goto(`${origin}/sme/invitations${lang}`);
            const card = invited.locator('article.invitation').first();
            const text = await card.textContent();
            for (const want of ['邀请测试专属贷', note, '周敏', '13600001111', '津沽商业银行']) {
              assert.ok(text.includes(want), `the invitation shows ${want}: ${text}`);
            }
            assert.equal(await card.locator(`a[href="/apply/${tailored}"]`).count(), 1, 'with the way to apply');
            await assertNoHorizontalScroll(invited, `the firm's invitations (${tag})`, round.width);
            await assertLanguage(invited, round.en, `the firm's invitations (${tag})`);
            if (n === 0) await screenshot(invited, 'conversation-invitation');
            await card.locator('summary').click();
            await card.locator('textarea[name=reason]').fill('暂无需求');
            await Promise.all([invited.waitForNavigation(), card.getByRole('button', { name: round.en ? 'Decline' : '确认谢绝' }).click()]);
            assert.ok((await invited.locator('article.invitation').first().textContent()).includes(round.en ? 'Declined' : '已谢绝'));
            await bank.goto(`${origin}/bank/invitations`);
            assert.ok((await bank.locator('tbody tr').first().textContent()).includes(round.en ? 'Declined' : '已谢绝'), 'the bank sees it declined');
          })));
    }
  } finally {
    await Promise.all([setupBank, setupOperator, setupSme, setupFirm].map((api) => api.dispose()));
  }
});
