/** Microsoft Teams incoming webhook (or a Workflows "post to a channel" URL): a message carrying one Adaptive Card. */
import type { Channel, OutgoingNotification } from '../channel.ts';
import { factPairs, openLabel } from './facts.ts';
import { postJson } from './post-json.ts';

// Teams renders Adaptive Cards up to schema 1.4 from a webhook; 1.4 has everything used here.
const cardVersion = '1.4';

/** The JSON body Teams' incoming webhook takes: a message whose one attachment is the Adaptive Card. */
function teamsPayload(n: OutgoingNotification): Record<string, unknown> {
  const facts = factPairs(n);
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: n.subject, size: 'Large', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: n.text, wrap: true },
  ];
  if (facts.length) body.push({ type: 'FactSet', facts: facts.map((f) => ({ title: f.label, value: f.value })) });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: cardVersion,
    body,
    ...(n.link ? { actions: [{ type: 'Action.OpenUrl', title: openLabel, url: n.link }] } : {}),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/** A channel that posts to one Teams incoming webhook URL. */
export function teamsChannel(url: string): Channel {
  return {
    name: 'teams',
    async send(n) {
      await postJson('teams', url, JSON.stringify(teamsPayload(n)));
      return {};
    },
  };
}
