/** A second held-out set: written before the rules were widened for generality, and never looked at while changing them. */
import type { Labelled } from './labelled-set.ts';

/**
 * Fresh sentences (none taken from the labelled set or the first held-out set), written in one sitting
 * before any rule changed, and frozen since: the rules were then improved on the labelled set alone,
 * and these sentences were only scored. Do not tune rules against them; write a new set for that.
 */
export const heldOutSet2: readonly Labelled[] = [
  // gatekeeping
  { text: 'The platform team has refused your request for a public bucket.', label: 'gatekeeping' },
  { text: 'Your access request is rejected.', label: 'gatekeeping' },
  { text: 'We are unable to approve the firewall change this quarter.', label: 'gatekeeping' },
  { text: "You're not authorised to create service accounts.", label: 'gatekeeping' },
  { text: "Sorry, deploying on Sunday isn't an option.", label: 'gatekeeping', hard: 'passive-aggressive' },
  { text: "Infosec says your integration can't go live.", label: 'gatekeeping' },
  { text: "There's no way we're opening SSH to the world.", label: 'gatekeeping' },
  { text: "Security won't be approving any more exceptions for your team.", label: 'gatekeeping' },
  // blame
  { text: "Your team's code leaked the API keys.", label: 'blame' },
  { text: 'The outage happened because you skipped the review.', label: 'blame' },
  { text: 'Whoever wrote this has clearly never heard of input validation.', label: 'blame', hard: 'sarcasm' },
  { text: 'Your devs left debug mode on in production again.', label: 'blame' },
  { text: "You've ignored every reminder we sent.", label: 'blame' },
  { text: 'Oh great, another critical finding from your team.', label: 'blame', hard: 'sarcasm' },
  { text: 'It was your change that took down the VPN.', label: 'blame' },
  { text: 'Thanks for nothing on the certificate rotation.', label: 'blame', hard: 'sarcasm' },
  { text: "The backend team can't be bothered to patch anything.", label: 'blame' },
  // urgency
  { text: 'Patch this before lunch, no questions.', label: 'urgency' },
  { text: 'You need to close these tickets by tonight!', label: 'urgency' },
  { text: 'I need this done within the hour.', label: 'urgency' },
  { text: 'UPDATE THE FIREWALL RULES NOW.', label: 'urgency' },
  { text: 'Your team has got to sort this out right now.', label: 'urgency' },
  { text: 'Every single finding must be remediated immediately!!', label: 'urgency' },
  // condescension
  { text: "As I've explained several times, the token expires after an hour.", label: 'condescension' },
  { text: 'Surely you know how to read a stack trace.', label: 'condescension' },
  { text: 'This is really basic stuff.', label: 'condescension' },
  { text: 'Let me spell it out for you: no plaintext passwords.', label: 'condescension' },
  {
    text: 'Per my previous message, the scan is scheduled for Monday.',
    label: 'condescension',
    hard: 'passive-aggressive',
  },
  { text: "I'm not sure why this is so hard to understand.", label: 'condescension', hard: 'passive-aggressive' },
  { text: 'Just google it.', label: 'condescension' },
  // compliance used as a hammer
  { text: "You're breaching the data protection policy.", label: 'compliance-hammer' },
  { text: 'Your services are out of compliance and it will be escalated to the CISO.', label: 'compliance-hammer' },
  { text: 'This is a direct violation of our password standard.', label: 'compliance-hammer' },
  { text: 'The company policy says you have to use the approved VPN, full stop.', label: 'compliance-hammer' },
  { text: 'Your manager will be notified about this breach.', label: 'compliance-hammer' },
  { text: 'Non-compliant systems will be disconnected without warning.', label: 'compliance-hammer' },
  // partner
  { text: 'We can open the share for the client with SFTP and an IP allow-list.', label: 'partner' },
  { text: "Let's go through the overdue findings together on Wednesday.", label: 'partner' },
  { text: 'Thanks for fixing the header issue so quickly.', label: 'partner' },
  { text: 'Would a two-week exception give you enough time for the upgrade?', label: 'partner' },
  { text: 'Your team did a great job on the key rotation.', label: 'partner', hard: 'harmless-trigger' },
  { text: 'We must get this right together before the audit.', label: 'partner', hard: 'harmless-trigger' },
  {
    text: "We can't release tonight, but let's pick a window together tomorrow morning.",
    label: 'partner',
    hard: 'softened',
  },
  { text: "If you're swamped, we can take the first pass at the patch.", label: 'partner' },
  { text: 'Nice catch on the expired certificate!', label: 'partner' },
  { text: "We'd be glad to help your developers set up the scanner.", label: 'partner' },
  { text: 'Can we agree on a due date of 14 March for this one?', label: 'partner' },
  { text: "I see the pressure you're under; what would help most this week?", label: 'partner' },
  { text: 'Great work, the scan came back clean.', label: 'partner', hard: 'harmless-trigger' },
  { text: 'Please let me know if the new window works for you.', label: 'partner' },
  // neutral
  { text: 'The service cannot start without a valid TLS certificate.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'Users must change their password every 90 days.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'You must run the migration before starting the server.', label: 'neutral', hard: 'harmless-trigger' },
  { text: "You can't use wildcards in the allow-list.", label: 'neutral', hard: 'harmless-trigger' },
  { text: 'Access to the admin panel is denied for guest accounts.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The request was rejected because the token had expired.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'Failed to connect to the database: timeout after 30 s.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The deployment is blocked until the integration tests pass.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'Error: permission denied when writing to /var/log.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The policy violation report lists 4 open items.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'It obviously depends on the region the bucket lives in.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'Simply put, the cache stores the last 100 results.', label: 'neutral', hard: 'harmless-trigger' },
  {
    text: 'The scanner reported a breach of the CIS benchmark on host web-3.',
    label: 'neutral',
    hard: 'harmless-trigger',
  },
  { text: 'Patch Tuesday falls on the 11th this month.', label: 'neutral' },
  { text: 'NOTE: the API returns 403 for expired tokens.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The team rotated the keys last night.', label: 'neutral' },
  {
    text: 'Nobody is on call during the company offsite, so alerts go to the vendor.',
    label: 'neutral',
    hard: 'harmless-trigger',
  },
  { text: 'Your password must be at least 12 characters long.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The firewall refused the connection from 10.0.0.5.', label: 'neutral', hard: 'harmless-trigger' },
  { text: 'The wiki lists "request denied" as a phrase to avoid.', label: 'neutral', hard: 'quoted' },
];
