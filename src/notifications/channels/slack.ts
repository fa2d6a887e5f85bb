/** Slack incoming webhook: a Block Kit message with a header, the facts, the text and a button back to the web app. */
import type { Channel, OutgoingNotification } from '../channel.ts';
import { clip, factPairs, openLabel } from './facts.ts';
import { postJson } from './post-json.ts';

// Slack's limits: a header's text 150 characters, a section's text 3000, 10 fields of 2000 each.
const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The JSON body Slack's incoming webhook takes for a notification (`text` is the fallback shown in alerts). */
function slackPayload(n: OutgoingNotification): Record<string, unknown> {
  const facts = factPairs(n).slice(0, 10);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(n.subject, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeText(n.text), 3000) } },
  ];
  if (facts.length) {
    blocks.push({
      type: 'section',
      fields: facts.map((f) => ({
        type: 'mrkdwn',
        text: clip(`*${escapeText(f.label)}*\n${escapeText(f.value)}`, 2000),
      })),
    });
  }
  if (n.link) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: openLabel },
          url: n.link,
          action_id: 'open_in_entente',
          style: 'primary',
        },
      ],
    });
  }
  return { text: clip(n.subject, 3000), blocks };
}

/** A channel that posts to one Slack incoming webhook URL. */
export function slackChannel(url: string): Channel {
  return {
    name: 'slack',
    async send(n) {
      await postJson('slack', url, JSON.stringify(slackPayload(n)));
      return {};
    },
  };
}
