import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import type { OutgoingNotification } from '../src/notifications/channel.ts';
import { channelsForTeam } from '../src/notifications/channels/for-team.ts';
import { ChannelError, retryAfterSeconds } from '../src/notifications/channels/post-json.ts';
import { slackChannel } from '../src/notifications/channels/slack.ts';
import { teamsChannel } from '../src/notifications/channels/teams.ts';
import { webhookChannel } from '../src/notifications/channels/webhook.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const notification: OutgoingNotification = {
  id: 'n-17',
  idempotencyKey: 'finding.new_act:42:2026-03-02',
  event: 'finding.new_act',
  recipient: { email: 'ana@example.com', name: 'Ana' },
  subject: 'New for payments: #42 xz backdoor in liblzma 5.6.0 is priority act',
  text: "This one needs acting on now: we'd like it fixed or shielded by 2026-03-16 <with your help> & thanks.",
  html: '<p>This one needs acting on now.</p>',
  link: 'https://entente.example/findings/42',
  facts: {
    service: 'checkout-api',
    title: 'xz backdoor in liblzma 5.6.0',
    cve: 'CVE-2024-3094',
    priority: 'act',
    dueDate: '2026-03-16',
    assignee: null,
  },
};

describe('notification channels over HTTP', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver();
  });
  after(async () => r.close());

  test('Slack gets a Block Kit message: header, the text, the facts as fields and a button back to the web app', async () => {
    await slackChannel(`${r.url}/services/T000/B000/XXXX`).send(notification);
    const got = r.received.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/services/T000/B000/XXXX');
    assert.match(got.headers['content-type']!, /application\/json/);
    const { text, blocks } = got.json;
    assert.equal(text, notification.subject);
    assert.deepEqual(
      blocks.map((b: any) => b.type),
      ['header', 'section', 'section', 'actions'],
    );
    assert.deepEqual(blocks[0].text, { type: 'plain_text', text: notification.subject, emoji: false });
    assert.match(blocks[1].text.text, /&lt;with your help&gt; &amp; thanks/, 'mrkdwn control characters are escaped');
    assert.deepEqual(
      blocks[2].fields.map((f: any) => f.text),
      [
        '*Service*\ncheckout-api',
        '*Title*\nxz backdoor in liblzma 5.6.0',
        '*CVE*\nCVE-2024-3094',
        '*Priority*\nact',
        '*Due date*\n2026-03-16',
      ],
    );
    assert.equal(blocks[3].elements[0].type, 'button');
    assert.equal(blocks[3].elements[0].url, notification.link);
  });

  test('Slack without a link or facts sends only the header and the text', async () => {
    await slackChannel(`${r.url}/s`).send({ ...notification, link: null, facts: {} });
    assert.deepEqual(
      r.received.at(-1)!.json.blocks.map((b: any) => b.type),
      ['header', 'section'],
    );
  });

  test('a Slack header longer than Slack takes is cut to 150 characters', async () => {
    await slackChannel(`${r.url}/s`).send({ ...notification, subject: 'x'.repeat(400) });
    assert.equal(r.received.at(-1)!.json.blocks[0].text.text.length, 150);
  });

  test('Teams gets a message with one Adaptive Card: title, text, a fact set and an Open URL action', async () => {
    await teamsChannel(`${r.url}/webhookb2/abc`).send(notification);
    const got = r.received.at(-1)!.json;
    assert.equal(got.type, 'message');
    assert.equal(got.attachments.length, 1);
    const [a] = got.attachments;
    assert.equal(a.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(a.content.type, 'AdaptiveCard');
    assert.equal(a.content.version, '1.4');
    assert.deepEqual(
      a.content.body.map((b: any) => b.type),
      ['TextBlock', 'TextBlock', 'FactSet'],
    );
    assert.equal(a.content.body[0].text, notification.subject);
    assert.deepEqual(a.content.body[2].facts[4], { title: 'Due date', value: '2026-03-16' });
    assert.deepEqual(a.content.actions, [{ type: 'Action.OpenUrl', title: 'Open in Entente', url: notification.link }]);
  });

  test("a signed webhook passes the standardwebhooks package's own verify, with the idempotency key as webhook-id", async () => {
    const result = await webhookChannel({ url: `${r.url}/hooks/entente`, secret }).send(notification);
    const got = r.received.at(-1)!;
    assert.equal(got.headers['webhook-id'], notification.idempotencyKey);
    assert.equal(result.externalId, notification.idempotencyKey);
    assert.match(got.headers['webhook-signature']!, /^v1,[A-Za-z0-9+/]+=*$/);
    const verified = new Webhook(secret).verify(got.body, got.headers) as any;
    assert.equal(verified.type, 'finding.new_act');
    assert.equal(verified.data.facts.cve, 'CVE-2024-3094');
    assert.equal(verified.data.link, notification.link);
  });

  test("a changed body, or another secret, fails the receiver's verify", async () => {
    await webhookChannel({ url: `${r.url}/hooks/entente`, secret }).send(notification);
    const got = r.received.at(-1)!;
    assert.throws(
      () => new Webhook(secret).verify(got.body.replace('checkout-api', 'checkout-apx'), got.headers),
      /signature/i,
    );
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    assert.throws(() => new Webhook(other).verify(got.body, got.headers), /signature/i);
  });

  test('a non-2xx answer throws naming the channel, the status and the first line of the body', async () => {
    r.queue({ status: 404, body: 'no_service\nmore detail' });
    await assert.rejects(slackChannel(`${r.url}/s`).send(notification), (e: unknown) => {
      assert.ok(e instanceof ChannelError);
      assert.equal(e.channel, 'slack');
      assert.equal(e.status, 404);
      assert.match(e.message, /^slack: 127\.0\.0\.1:\d+ answered 404: no_service$/);
      assert.equal(e.retryAfterSeconds, undefined);
      return true;
    });
  });

  test('a 429 carries Retry-After as retryAfterSeconds', async () => {
    r.queue({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } });
    await assert.rejects(teamsChannel(`${r.url}/t`).send(notification), (e: unknown) => {
      assert.ok(e instanceof ChannelError);
      assert.equal(e.status, 429);
      assert.equal(e.retryAfterSeconds, 30);
      assert.match(e.message, /^teams: .* answered 429: rate_limited; it asks us to try again in 30 s$/);
      return true;
    });
  });

  test('the error never shows the secret path of a webhook URL', async () => {
    r.queue({ status: 500, body: '' });
    await assert.rejects(
      slackChannel(`${r.url}/services/T000/B000/SECRETPART`).send(notification),
      (e: Error) => !e.message.includes('SECRETPART'),
    );
  });

  test('an endpoint that does not answer is a ChannelError with status 0', async () => {
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    await assert.rejects(
      webhookChannel({ url, secret }).send(notification),
      (e: unknown) => e instanceof ChannelError && e.status === 0 && /did not answer/.test(e.message),
    );
  });

  test('channelsForTeam builds Slack, Teams and webhook in order, reading env: values from the environment', async () => {
    const channels = channelsForTeam(
      { slack: 'env:SLACK_URL', teams: `${r.url}/t`, webhook: { url: `${r.url}/w`, secret: 'env:HOOK_SECRET' } },
      { env: { SLACK_URL: `${r.url}/from-env`, HOOK_SECRET: secret } },
    );
    assert.deepEqual(
      channels.map((c) => c.name),
      ['slack', 'teams', 'webhook'],
    );
    for (const c of channels) await c.send(notification);
    const last = r.received.slice(-3);
    assert.deepEqual(
      last.map((x) => x.path),
      ['/from-env', '/t', '/w'],
    );
    assert.ok(new Webhook(secret).verify(last[2]!.body, last[2]!.headers));
    assert.deepEqual(channelsForTeam(null, { env: {} }), []);
  });

  test('an env: value that is not set makes each send fail saying which, without calling anyone', async () => {
    const before = r.received.length;
    const [slack] = channelsForTeam({ slack: 'env:NOT_SET_ANYWHERE' }, { env: {} });
    await assert.rejects(
      slack!.send(notification),
      /slack: env:NOT_SET_ANYWHERE is not set in the server's environment/,
    );
    const [hook] = channelsForTeam(
      { webhook: { url: `${r.url}/w`, secret: 'env:WEAK' } },
      { env: { WEAK: 'hunter2' } },
    );
    await assert.rejects(hook!.send(notification), /webhook: env:WEAK does not hold a whsec_ secret/);
    assert.equal(r.received.length, before);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    assert.equal(retryAfterSeconds('120'), 120);
    assert.equal(retryAfterSeconds('Mon, 07 Dec 2026 12:01:00 GMT', new Date('2026-12-07T12:00:00Z')), 60);
    assert.equal(retryAfterSeconds(null), undefined);
    assert.equal(retryAfterSeconds('soon'), undefined);
  });
});
