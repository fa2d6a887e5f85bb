/** The tone rules as data: what reads as gatekeeping, blame, urgency, condescension or compliance used as a hammer. */

export const categories = ['gatekeeping', 'blame', 'urgency', 'condescension', 'compliance-hammer'] as const;
export type Category = (typeof categories)[number];

/**
 * One rule. `patterns` use the language in pattern.ts (or, for a rule from the policy, are plain
 * phrases); `unless` patterns anywhere in the same sentence cancel the rule; `rewrite` replaces a
 * sentence the rule matches from its first word ({rest} is what follows the match; without {rest}
 * the match must cover the whole sentence).
 */
export interface ToneRule {
  id: string;
  category: Category;
  patterns: readonly string[];
  why: string;
  suggestion: string;
  unless?: readonly string[];
  rewrite?: string;
  /** Set for rules from a policy file: `patterns` are plain phrases, not the pattern language. */
  plain?: boolean;
}

const partnering = ['@partnering'];

export const builtInRules: readonly ToneRule[] = [
  {
    id: 'refusal',
    category: 'gatekeeping',
    patterns: ['@org @adverb? @cannot !be', '(we|i) @adverb? @cannot > @adverb? (be)? @permitVerb'],
    unless: partnering,
    why: 'A flat refusal closes the conversation and casts IT or Security as a gate to get past.',
    suggestion: 'Say what would make it possible: "We can … with these safeguards in place: …".',
    rewrite: 'We can {rest} with these safeguards in place: …',
  },
  {
    id: 'you-cannot',
    category: 'gatekeeping',
    patterns: ['you @forbidden > @shipVerb', 'you @be not (allowed|permitted|authorised|authorized) to'],
    unless: partnering,
    why: 'Telling people what they cannot do leaves them without a way forward.',
    suggestion: 'Say when or how they can: "You can … once these safeguards are in place: …".',
    rewrite: 'You can {rest} once these safeguards are in place: …',
  },
  {
    id: 'not-allowed',
    category: 'gatekeeping',
    patterns: [
      '^ (this|that|it) @be not (allowed|permitted|acceptable|approved) $',
      '(this|that|it|@yours) @be not (allowed|permitted|acceptable|approved|an option)',
      '^ not (allowed|permitted|approved|acceptable) $',
      // "no-go" (one word, split at its hyphen) is the name of a gate decision, not a refusal
      '(this|that|it|(the|this|that|your)? @changeNoun) @be (not happening|out of the question|a no !go|a hard no|non negotiable)',
      '@org ({say}|{answer}) no !go',
      '(the answer|that) @be (a)? (hard|firm|definite)? no $',
      '^ (no way|absolutely not|not happening|out of the question|not a chance)',
      'no way (you|we|i|this|that|it|@org|your|anyone)',
      'do not (even)? (think about|try)',
    ],
    unless: partnering,
    why: 'A bare "not allowed" states a verdict without the reason or the safer way to get there.',
    suggestion: 'Name the risk and the safeguard that would let it through: "We can do this once …".',
    rewrite: 'We can do this with these safeguards in place: …',
  },
  {
    id: 'denied',
    category: 'gatekeeping',
    patterns: [
      '@changeNoun (@be|@have been)? @refused',
      '^ (the|this|your)? @changeNoun @be? blocked $',
      '@changeNoun @be? blocked (by (@org|me|us)|until you|because (you|of you))',
      '(i|we) @be ({block}|{reject}|{deny}|{veto}|{refuse}) (this|that|your|the) . ? @changeNoun',
      '@org (@have|@be)? @adverb? ({reject}|{veto}|{deny}|{turn} down|{refuse}|{decline}) (your|the|this|that|every|all|any|our|their|my)',
    ],
    unless: [...partnering, 'because (the|a|an|its|it|of the|of a)', 'due to (the|a|an|its)'],
    why: '"Denied" and "blocked" report a gate closing, not what would open it.',
    suggestion: 'Say what it needs: "We can approve this once …; here is a safer way to get there: …".',
  },
  {
    id: 'your-findings',
    category: 'blame',
    patterns: ['@yours @have @lots .? @problem'],
    why: '"Your application has these findings" hands the problem over the wall instead of sharing it.',
    suggestion: 'Make it a shared goal: "We need to work together to solve these issues to meet our SLA."',
    rewrite: 'We need to work together to solve these issues to meet our SLA.',
  },
  {
    id: 'failed-to',
    category: 'blame',
    patterns: [
      '@blamed @adverb? @adverb? ({fail}|{neglect}|{forget}|{omit}) to',
      '@blamed (did not|never|could not be|can not be) (even)? ({bother}|bothered) to',
      '@blamed still (did not|have not|has not) (even|yet)? @dutyVerb',
      '@blamed (clearly|obviously|just|simply|really)? (did not|never) (even)? @dutyVerb',
      'if (you|they|your . team) (had|would have) (just|only|even)? @dutyVerb',
      '(nobody|no one|none of (you|your @group)) *4 ({bother}|{care}|{listen})',
      'because (nobody|no one) @adverb? ({maintain}|{own}|{care}|{bother}|{look} after|{test}|{patch}|{update}|{read})',
    ],
    why: 'Pointing at who failed makes people defend themselves instead of fixing the problem.',
    suggestion:
      'Describe the state and the next step: "The server is still unpatched; let\'s find a window to patch it together."',
  },
  {
    id: 'on-you',
    category: 'blame',
    patterns: [
      '(this|that|it) @be (all)? on (you|your . team|your @group)',
      'your (fault|mess|doing|screw up|screwup|blunder|negligence|carelessness)',
      "your . 's (fault|mess|doing|screw up|blunder)",
      '(this|that|it) @be your problem',
      'because of (you|your . team|your @group) !know',
      '@blamed @be the reason',
      '@yours @be the reason',
      '(it|this) @be @yourThing that @adverb? @harm',
      'who ({approve}|{write}|{build}|{deploy}|{merge}|{break}|{do}|{sign} off) (this|that) (mess|garbage|crap|disaster|nonsense|monstrosity)',
      'whose fault',
    ],
    why: "Naming a culprit turns a shared problem into someone else's problem.",
    suggestion:
      'Talk about the problem, not the person: "This caused the outage; let\'s make sure it can\'t happen again."',
  },
  {
    id: 'you-broke',
    category: 'blame',
    patterns: [
      '@blamed (always|never|constantly|keep|keeps|kept)? ({break}|{cause}|{ruin}|{wreck}|mess up|messed up|screw up|screwed up)',
      '@person (keep|keeps|kept|just|simply|have|has)? @badDeed',
      '@person (have|has|had)? {introduce} *2 @problem',
      '(well done|bravo|congratulations|congrats|@praise (job|work)) (you|@person) (have|has)? @badDeed',
      '({drop} the ball|asleep at the wheel|{throw} (us|me|them) under the bus|{leave} (us|me) hanging|{let} (us|me|everyone) down)',
      'why (did|would|do|have|are) you (even|just)? ({disable}|turn off|{remove}|{delete}|{ignore}|{skip}|{bypass}|{push}|{merge}|{deploy}|{approve}|{expose}|{open})',
      '(nice|good|kind|great) of you to finally',
      '(thanks|thank you) (so much)? for finally',
      'so you finally',
      '@blamed (always|never|constantly) @badDeed',
      '@blamed (always|never|constantly) ({ignore}|{forget}|{skip}|{miss}|{leave}|{listen}|{read}|{follow}|{test}|{patch}|{care}|{respond})',
      '(thanks|thank you) (so much|a lot)? for (@badDeed|{delete} (the|our|all)? (backups|backup|data|database|logs|production))',
      '@praise (job|work|going|move) @badDeed',
      '@yourThing @adverb? @harm',
      'oh (great|perfect|wonderful|lovely|brilliant|fantastic|joy|good|nice|marvellous|marvelous) *4 (another|again)',
      '(thanks|thank you) for nothing',
    ],
    why: 'Blaming or sarcastic praise for a mistake puts people on the defensive.',
    suggestion:
      'Say what broke and what we will do about it: "The build is red since this morning; can we look at it together?"',
  },
  {
    id: 'judgement',
    category: 'blame',
    patterns: ['(your|this|that|such) .? @judgement', '@blamed @be @intens? @intens? @judgement'],
    why: 'Judging people\'s work or character ("sloppy", "careless") is heard as an attack.',
    suggestion: 'Describe the code, not the coder: "This handler does not validate input; here is a fix."',
  },
  {
    id: 'command-now',
    category: 'urgency',
    patterns: [
      '@command *5 @rightNow',
      'asap',
      'no excuses',
      'or else',
      'drop (everything|whatever you @be (doing|working on))',
      'stop what you @be doing',
      'this can not wait',
      '(need|needed|want|wanted) (this|it|that) *2 yesterday',
    ],
    why: 'A demand for immediate action, with no reason given, reads as an order from above.',
    suggestion:
      'Give the reason and a date: "This is exploited in the wild (KEV), so we need it fixed by Friday; how can we help?"',
  },
  {
    id: 'must-fix',
    category: 'urgency',
    patterns: [
      "(you|your . team|your @group) (must|@have to|had better|'d better|@have got to|@be required to) @fixVerb @deictic",
    ],
    why: '"You must fix this" is an order; it tells people what to do without asking what they need.',
    suggestion: 'Ask together: "Can we get this fixed by <date>? The reason it matters is …".',
  },
  {
    id: 'shouting',
    category: 'urgency',
    patterns: ['<shouting>'],
    why: 'Words in capitals read as shouting.',
    suggestion: 'Write in ordinary case and say why it matters instead.',
  },
  {
    id: 'exclamations',
    category: 'urgency',
    patterns: ['<stacked-exclamations>'],
    why: 'Stacked exclamation marks read as alarm or anger.',
    suggestion: 'End with one full stop and give the reason or the date that makes it urgent.',
  },
  {
    id: 'obviously',
    category: 'condescension',
    patterns: ['obviously', 'simply !put', 'clearly (you|nobody|no one|someone|they|everyone|anyone|this|that|it)'],
    why: '"Obviously" and "simply" tell the reader they should have known already.',
    suggestion: 'Leave the word out, or explain the step.',
  },
  {
    id: 'as-i-said',
    category: 'condescension',
    patterns: [
      '(as|like) i (have)? (already|previously|just)? @said',
      'as (previously|already) @said',
      'as (previously|already) (discussed|agreed)',
      '(as|like) (i|we) *3 (many|several|multiple|countless|numerous|so many) times',
      'how else (to|can i|do i|should i) (explain|say|put)',
      'try to keep up',
      '(per|as per|see) my (last|previous|earlier|prior) @message',
      'i (have)? already (told|asked|explained to) you',
      'how many times',
      'for the (second|third|fourth|fifth|last|hundredth|umpteenth|nth) time',
      '(let me|i will) (explain|say|repeat|spell) (this|it|that)? (out)? (again|one more time|once more|slowly)',
      'not sure (if|whether) you (saw|read|got) my',
      'in case you missed (it|my)',
      'i (should not|should not need to) (have to)? (tell|explain|remind|repeat)',
      'how much clearer',
      'can not (be|make it) (any)? clearer',
      'i (have)? @adverb? @said (this|it|that)? (to you)? *3 (times|twice|repeatedly|over and over)',
      '(just a|a) (friendly|gentle) reminder that',
      'friendly reminder that (this|it|you|your)',
    ],
    why: 'Reminding people you said it before makes them feel talked down to.',
    suggestion: 'Restate the point itself, kindly: "To recap: …".',
  },
  {
    id: 'not-rocket-science',
    category: 'condescension',
    patterns: [
      'not (exactly)? (rocket science|brain surgery)',
      'any @competent @professional',
      '(even|literally) (a|an) (child|intern|junior|toddler|first year)',
      'everyone (knows|should know|ought to know|must know)',
      '(surely|as you should|as you must|as you ought to) know',
      '(did|do|have|does) you even ({read}|{test}|{look}|{check}|{try}|{know}|{understand})',
      'surely even',
      'surely (you|your . team|your @group|everyone|anyone) *2 (know|knows|understand|understands|realise|realize|remember|can|could)',
      '(go|just|simply) (look (it|that) up|google (it|that|this))',
      'look (it|that) up yourself',
      'lmgtfy',
      '(this|that|it) @be @intens? (basic|elementary) $',
      '(this|that|it) @be @intens? (basic|elementary|trivial) (stuff|things|knowledge|security)',
      'with all due respect',
      'no offence',
      'no offense',
      'rtfm',
      'i @be not sure you (understand|realise|realize|get)',
      '(it|this|that) @be (really|honestly|seriously)? not (that|so|exactly) (complicated|hard|difficult|complex)',
      '(it|this|that) @be (really|honestly|seriously)? not (complicated|hard|difficult|complex) $',
      'before (asking|replying|commenting|you ask|you reply|bothering)',
      'and you know it',
      'you know (that|this|it)? (full|perfectly) well',
      'common sense',
      'should be (obvious|self explanatory)',
      '(you|your @group) should (know|have known) better',
      'know better (than that|by now)',
    ],
    why: 'Implying that something is easy, or common knowledge, makes people feel small for asking.',
    suggestion: 'Offer the knowledge instead: "Here is how we usually do this: …".',
  },
  {
    id: 'non-compliant',
    category: 'compliance-hammer',
    patterns: [
      '(@blamed|@yours) @be @intens? (non compliant|noncompliant|not compliant|out of compliance|in (clear|direct|serious|flagrant|open)? (violation|breach))',
      '(you|they|your . team|your @group) @be? ({violate}|{breach}|broke|{break}) (the|our|company|this|a|your)? *3 @rulebook',
    ],
    why: 'Calling people non-compliant uses the rules as a hammer instead of a shared goal.',
    suggestion: 'Name the control and the goal: "To meet <control> we need …; can we plan it together?"',
  },
  {
    id: 'violation',
    category: 'compliance-hammer',
    patterns: [
      '(this|that|it|what you did) (@be|constitutes) (a|an)? (clear|direct|serious|flagrant|blatant|major|gross)? (violation|breach) of',
      '(this|that|it|what you did) (@be|constitutes) (a|an)? (clear|direct|serious|flagrant|blatant|major|gross)? (policy|compliance|security) (violation|breach)',
      'rules @be rules',
      'policy @be policy',
      'no exceptions $',
      'end of (discussion|story)',
      'non negotiable',
      '(per|as per|according to) (the|our|company)? @rulebook (you|@blamed) (must|@have to|{need} to|@be required to)',
      '@rulebook ({require}|{demand}|{say}) (that)? you',
    ],
    why: 'Quoting the rulebook at people ends the conversation instead of explaining the risk.',
    suggestion:
      'Explain what the control protects: "This control keeps customer data safe; here is how we can meet it: …".',
  },
  {
    id: 'threat',
    category: 'compliance-hammer',
    patterns: [
      '(reported|escalated) to @authority',
      '(escalate|report) (this|it|you)? to @authority',
      '(this|it|you|that) will be (escalated|reported)',
      '(non compliant|noncompliant) (teams|people|engineers|services) will be',
      '(non compliant|noncompliant|unapproved|unmanaged) . will be (wiped|disconnected|blocked|shut down|reported|named|banned|revoked|disabled|removed|quarantined|terminated)',
      'will be (named|called out|named and shamed) in',
      '(legal|hr|@authority) will be (informed|notified|involved|told|copied)',
      'disciplinary (action|measures|steps)',
      '(there will be|face (the)?) consequences',
      'failure to comply',
      '(you|your . team|your @group) will fail the audit',
      '(the)? auditors will hear about',
      '(the)? (auditor|auditors|regulator|regulators) will (flag|catch|report|notice|find|come after) (you|your)',
    ],
    why: 'Threats of escalation or the audit make compliance a weapon rather than a shared goal.',
    suggestion:
      'Say what happens next and offer help: "If we cannot meet the date, let\'s agree an exception together."',
  },
];
