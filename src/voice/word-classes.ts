/**
 * Named classes the tone rules share (`@name` in a pattern). Each entry is itself a pattern, written
 * as compromise tokenizes text, so "cannot", "can't" and "can not" are all one entry `can not`.
 */
export const wordClasses: Record<string, readonly string[]> = {
  be: ['{be}', 'am', 'are', 'were', 'been', "'s"],
  have: ['{have}'],
  // refusing to do something; "can not only" is not a refusal
  cannot: [
    'can not !only', 'could not', 'will not', 'would not', 'shall not', 'should not',
    '@be not able to', '@be unable to', '@be not going to', '{refuse} to', 'do not intend to',
  ],
  // forbidding something to someone
  forbidden: ['@cannot', 'may not', 'must not', '@be not to', '@be not (allowed|permitted|authorised|authorized) to', '@be (forbidden|prohibited) to'],
  // adverbs that sit between a subject and its verb without changing what the sentence does ("IT really cannot", "you completely forgot")
  adverb: [
    'really', 'just', 'simply', 'clearly', 'obviously', 'completely', 'totally', 'absolutely', 'utterly', 'entirely', 'frankly', 'honestly',
    'seriously', 'literally', 'basically', 'definitely', 'certainly', 'actually', 'ever', 'again', 'once again', 'repeatedly', 'still', 'even',
  ],
  // intensifiers before an adjective ("really careless", "totally non-compliant"); "being" as in "you are being careless"
  intens: ['really', 'very', 'so', 'too', 'extremely', 'incredibly', 'pretty', 'quite', 'totally', 'completely', 'utterly', 'absolutely', 'clearly', 'simply', 'just', 'frankly', 'being'],
  // the departments a refusal comes from
  org: [
    '=IT', '(the|our)? (it|security|infosec|ops|operations|platform|compliance|cloud) (team|department|dept|group|org)',
    'security', 'infosec', 'the cab', 'compliance',
  ],
  group: ['{team}', '{developer}', '{dev}', '{engineer}', '{department}', '{group}', '{squad}', '{people}', '{guy}', 'folks'],
  // a person or team, addressed or talked about, whom a sentence can blame
  blamed: [
    'you (all|guys|people|folks)?', "y'all", 'your (. @group|@group)', "your . 's @group", '(the|that) . (team|squad|group)',
    '(the|those|these) @group', 'they', '@org', '(someone|somebody|one) (on|in|from) (your|the) (. team|team|@group)',
  ],
  // the same, less "they" (which as often means the tools as the people)
  person: [
    'you (all|guys|people|folks)?', "y'all", 'your (. @group|@group)', "your . 's @group", '(the|that) . (team|squad|group)',
    '(the|those|these) @group', '@org', '(someone|somebody|one) (on|in|from) (your|the) (. team|team|@group)',
  ],
  // something of yours: "your app", "your team's service", "your new checkout service"
  yours: ['your (. \'s)? .', 'your . . (service|app|application|code|system|server|product|project)'],
  // the same with a longer noun phrase, for a sentence whose verb follows it: "your team's latest release broke …"
  yourThing: ['your (. \'s)? *2 .', "(the|that) . team 's *2 ."],
  // what a person's work did to others, as blame names it
  harm: [
    '{break}', '{cause} !no !zero', '{leak}', '{crash}', '{take} down', '{bring} down', '{knock} over', '{wreck}', '{ruin}', '{corrupt}', '{wipe}',
    'messed up', 'screwed up', '{expose}', '{kill}', '{nuke}',
  ],
  permitVerb: [
    '{allow}', '{approve}', '{accept}', '{permit}', 'sign off', '{let}', '{authorise}', '{authorize}',
    '{deploy}', '{release}', '{ship}', '{merge}', '{install}', 'take on', '{support} (this|that|it)', 'do (this|that|it)',
  ],
  shipVerb: [
    '{deploy}', '{release}', '{ship}', '{merge}', '{launch}', '{install}', '{push}', '{proceed}', 'go (live|ahead|out)',
    'roll out', '{open}', '{expose}', '(do|use|have|run) (this|that|it)',
  ],
  changeNoun: [
    '{request}', '{change}', '{release}', '{deployment}', '{deploy}', '{rollout}', '{launch}', '{merge}', 'pull request', '=PR',
    '{exception}', '{proposal}', '{ticket}', 'access request',
  ],
  refused: ['denied', 'rejected', 'refused', 'vetoed', 'declined', 'turned down'],
  problem: [
    '{finding}', '{vulnerability}', '{vuln}', '{issue}', '{problem}', '{bug}', '{hole}', '{flaw}', '{defect}', '=CVEs', '{cve}', '{error}', '{weakness}',
  ],
  lots: [
    'these', 'those', 'so many', 'too many', 'all (these|those|the)', 'lots of', 'a lot of', 'tons of', 'dozens of', 'hundreds of', 'many', 'such',
  ],
  // what a person is expected to have done
  dutyVerb: [
    '{patch}', '{fix}', '{update}', '{upgrade}', '{test}', '{read}', '{check}', '{follow}', '{respond}', '{reply}', '{answer}',
    '{rotate}', '{review}', 'look at', '{bother}', '{listen}', '{care}',
  ],
  // a mistake, as sarcastic thanks or praise names it ("thanks for breaking prod", "great job leaving it public")
  badDeed: [
    '{break}', '{ignore}', '{forget}', '{skip}', '{wreck}', '{ruin}', 'mess up', 'messing up', 'screw up', 'screwing up', '{neglect}',
    '{leave} *3 (public|open|exposed|unpatched|broken|unencrypted|unprotected|vulnerable|behind)',
    '({push}|{commit}|{leak}|{expose}|{post}|{paste}) *2 (credentials|secrets|passwords|keys|tokens|customer data|personal data|data)',
  ],
  judgement: ['sloppy', 'careless', 'negligent', 'reckless', 'incompetent', 'clueless', 'shoddy', 'amateurish', 'irresponsible'],
  praise: ['great', 'nice', 'good', 'fantastic', 'brilliant', 'excellent', 'stellar', 'awesome', 'wonderful', 'amazing'],
  // a command aimed at a person or at their work
  command: [
    '(you|your . team|your @group|your . @group) (must|@have to|{need} to|@be required to|had better|@have got to|got to)',
    '(this|it|these|that|those) (must|{need} to|@have to|@be going to have to) be',
    '^ (please)? (fix|patch|remediate|resolve|address|rotate|update|upgrade|respond|reply|answer|close|remove|revoke|stop|do|send|sort|get)',
    'i (expect|want|need) (this|it|these|that|those)',
    '(must|{need} to|@have to|@be going to have to|@be required to) be @doneVerb',
    'you (will|@be to|@be going to) @taskVerb',
  ],
  doneVerb: [
    '{fix}', '{patch}', '{remediate}', '{resolve}', '{address}', 'done', '{close}', 'sorted', '{rotate}', '{update}', '{upgrade}', '{remove}', '{revoke}',
    '{finish}', '{complete}', '{apply}',
  ],
  taskVerb: [
    '{fix}', '{patch}', '{remediate}', '{resolve}', '{address}', '{close}', '{rotate}', '{update}', '{upgrade}', '{remove}', '{revoke}', '{respond}', '{reply}',
    '{answer}', 'sort out', '{finish}', '{complete}',
  ],
  fixVerb: ['{fix}', '{patch}', '{remediate}', '{resolve}', '{address}', 'sort out', 'deal with', 'clean up', '{stop}'],
  deictic: ['this', 'that', 'it', 'these', 'those', 'them', 'your'],
  rightNow: [
    'immediately !after !before !when !once !if !on !upon', 'right (now|away)', 'now', 'asap', 'at once', 'today', 'tonight', 'this instant', 'without delay',
    '(by|before) (end of (the)? day|eod|close of business|cob|tonight|today|this afternoon|the end of (the)? day|the end of today|noon|lunch|lunchtime|tomorrow morning|first thing (tomorrow)?)',
    'within (the|an|one|1|2|24|48|two)? (hour|hours)',
  ],
  said: ['{say}', '{mention}', '{state}', '{explain}', '{write}', '{point} out', '{tell} you', '{note}'],
  message: ['{email}', '{mail}', '{message}', '{note}', '{comment}', '{reply}', '{memo}', '{ticket}'],
  competent: ['competent', 'decent', 'half decent', 'self respecting', 'good', 'first year', 'junior', 'real'],
  professional: ['{developer}', '{engineer}', '{admin}', '{dev}', '{programmer}', '{person}', '{intern}', '{student}'],
  rulebook: ['policy', 'policies', 'rule', 'rules', 'standard', 'standards', 'regulation', 'regulations', 'compliance', 'the law'],
  authority: [
    '(your|the) (manager|management|boss|leadership|ciso|cto|cio|director|vp|hr|board|auditor|auditors|legal|line manager)',
  ],
  // partnership in the same sentence turns a refusal into a negotiation
  partnering: [
    '^ let us', '(but|so|and|instead|then|now|rather) let us', 'together',
    'until (you|you all|both of us|we both|your @group|your . @group|everyone) *2 (comfortable|happy|ready|confident|agree|agreed|sure)', '{safeguard}', 'with these (controls|safeguards)', 'we can help', 'happy to help', 'how can we', 'what if we', 'how about',
  ],
};

/** Capitalised words that are technical, not shouting: acronyms that are also English words, SQL, specification keywords. */
export const technicalCaps = {
  acronyms: ['IT', 'US', 'OK', 'ID', 'AND', 'OR', 'ACK', 'NAT', 'RAM', 'CAB', 'PAN', 'TOTP', 'SOC', 'ISO', 'PII', 'PHI', 'SIEM'],
  // a run of capitals at least half of whose words are these is SQL ("NOT NULL", "SELECT ID FROM USERS"); fewer, and it is shouting ("DELETE THOSE KEYS FROM THE REPO")
  sql: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'FROM', 'WHERE', 'JOIN', 'NULL', 'VALUES', 'TABLE', 'INTO', 'GROUP BY', 'ORDER BY', 'SET', 'LIMIT', 'HAVING', 'DISTINCT', 'CREATE', 'ALTER', 'DROP', 'INDEX'],
  // RFC 2119 keywords; they address implementations, so they shout only at a sentence that says "you"
  specification: ['MUST', 'SHALL', 'SHOULD', 'NOT', 'REQUIRED', 'RECOMMENDED', 'MAY', 'OPTIONAL'],
  // labels that open a line ("WARNING: …") rather than raise a voice
  labels: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'WARNING', 'WARN', 'ERROR', 'NOTE', 'TODO', 'FIXME', 'IMPORTANT', 'DEPRECATED', 'TIP', 'FYI', 'RE', 'FWD'],
};
