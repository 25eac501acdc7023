/**
 * Webhook bodies in the formats chat tools accept: `slack` (an incoming webhook's `{text, blocks}`,
 * which Mattermost and Rocket.Chat take too) and `teams` (a Microsoft Teams connector MessageCard,
 * which Teams workflows also accept). `generic` is Airlock's own JSON (webhook-notifier.ts). Each
 * carries the words of message-text.ts and a plain link to the portal page, nothing else.
 */
import type { NoticeText } from './message-text.js';

/** Slack escapes only these three in text; a name cannot open a link or mention someone. */
const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackBody(t: NoticeText): string {
  const body = t.lines.slice(0, -1).map(slackEscape).join('\n');
  return JSON.stringify({
    text: slackEscape(t.subject),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: t.subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: body } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open in the portal' },
            url: t.url,
          },
        ],
      },
    ],
  });
}

export function teamsBody(t: NoticeText, themeColor: string): string {
  return JSON.stringify({
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: t.subject,
    themeColor,
    title: t.subject,
    sections: [{ text: t.lines.slice(0, -1).join('\n\n'), markdown: true }],
    potentialAction: [
      {
        '@type': 'OpenUri',
        name: 'Open in the portal',
        targets: [{ os: 'default', uri: t.url }],
      },
    ],
  });
}
