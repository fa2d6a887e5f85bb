import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntenteError } from '../../errors.ts';
import { attr, child, children, parseXml, select, streamXml, textOf, xmlRootName, type XmlMatch } from './xml.ts';
import { badInputError } from '../../../test/support/parsing.ts';

const opts = { name: 'report.xml' };

async function collect(
  source: AsyncIterable<string | Uint8Array>,
  names: string[],
  extra: object = {},
): Promise<XmlMatch[]> {
  const out: XmlMatch[] = [];
  for await (const m of streamXml(source, { ...opts, collect: names, ...extra })) out.push(m);
  return out;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p;
}

describe('parseXml', () => {
  test('builds a tree of names, attributes, children, text and lines', () => {
    const root = parseXml('<?xml version="1.0"?>\n<r a="1">\n  <x b="2">hello</x>\n  <x/>\n</r>', opts);
    assert.equal(root.name, 'r');
    assert.deepEqual(root.attrs, { a: '1' });
    assert.equal(root.line, 2);
    assert.equal(children(root, 'x').length, 2);
    assert.deepEqual(child(root, 'x')?.attrs, { b: '2' });
    assert.equal(child(root, 'x')?.line, 3);
    assert.equal(textOf(root, 'x'), 'hello');
  });

  test('reads predefined entities, numeric character references and CDATA', () => {
    const root = parseXml(
      '<r><t>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;</t><c><![CDATA[<raw>&amp;]]></c></r>',
      opts,
    );
    assert.equal(textOf(root, 't'), 'a <b> & "c" \'d\' AB');
    assert.equal(textOf(root, 'c'), '<raw>&amp;');
  });

  test('never resolves an external entity: the XXE reference is a bad_input error and no file content appears', () => {
    const xxe =
      '<?xml version="1.0"?>\n<!DOCTYPE r [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n<r><t>&xxe;</t></r>';
    assert.throws(
      () => parseXml(xxe, opts),
      (e: unknown) => {
        assert.ok(e instanceof EntenteError && e.code === 'bad_input');
        assert.match(e.message, /report\.xml: not well-formed XML at line 5, column \d+: undefined entity/);
        assert.match(e.message, /never expanded/);
        assert.doesNotMatch(e.message, /root:/);
        return true;
      },
    );
  });

  test('ignores a DOCTYPE whose entities are never used, parameter entities included', () => {
    const doc = '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p; <!ENTITY e "boom">]><r><t>ok</t></r>';
    const root = parseXml(doc, opts);
    assert.equal(textOf(root, 't'), 'ok');
    assert.doesNotMatch(JSON.stringify(root), /root:|boom/);
  });

  test('stops a billion-laughs document at once with a clear error instead of expanding it', () => {
    const decls = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) decls.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const doc = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${decls.join('\n')}\n]>\n<lolz>&lol9;</lolz>`;
    const started = Date.now();
    assert.throws(() => parseXml(doc, opts), badInputError(/undefined entity/));
    assert.ok(Date.now() - started < 1000);
  });

  test('caps nesting at 200 levels by default and at maxDepth when given', () => {
    const nest = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
    assert.equal(parseXml(nest(200), opts).name, 'a');
    assert.throws(() => parseXml(nest(201), opts), badInputError(/report\.xml: XML nested deeper than 200 levels/));
    assert.throws(() => parseXml(nest(6), { ...opts, maxDepth: 5 }), badInputError(/nested deeper than 5 levels/));
  });

  test('reports a truncated document with file, line and column', () => {
    assert.throws(
      () => parseXml('<r>\n  <a>text</a>\n  <b>', opts),
      (e: unknown) => {
        assert.ok(e instanceof EntenteError && e.code === 'bad_input');
        assert.match(
          e.message,
          /^report\.xml: not well-formed XML at line 3, column \d+: unclosed tag: b \(the file looks truncated\)$/,
        );
        assert.equal(e.details?.['line'], 3);
        assert.equal(typeof e.details?.['column'], 'number');
        return true;
      },
    );
  });

  test("reports mismatched tags, bad attributes and empty input as bad_input with saxes's reason", () => {
    assert.throws(() => parseXml('<r><a></b></r>', opts), badInputError(/line 1, column \d+: unexpected close tag/));
    assert.throws(() => parseXml('<r a=1/>', opts), badInputError(/unquoted attribute value/));
    assert.throws(() => parseXml('', opts), badInputError(/empty or holds no element/));
    assert.throws(() => parseXml('<r/><r/>', opts), badInputError(/only one root/));
  });

  test('keeps odd attribute names as plain own properties', () => {
    const root = parseXml('<r __proto__="x" constructor="y"/>', opts);
    assert.equal(Object.getPrototypeOf(root.attrs), Object.prototype);
    assert.equal(attr(root, '__proto__'), 'x');
    assert.equal(attr(root, 'constructor'), 'y');
    assert.equal(attr(root, 'toString'), undefined);
  });

  test('drops skipped elements with everything inside them', () => {
    const root = parseXml('<r><keep>1</keep><body><keep>2</keep>big</body></r>', { ...opts, skip: ['body'] });
    assert.deepEqual(
      root.children.map((c) => c.name),
      ['keep'],
    );
  });

  test('never throws anything but a bad_input EntenteError on random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (s) => {
        try {
          parseXml(s, opts);
        } catch (e) {
          assert.ok(e instanceof EntenteError && e.code === 'bad_input', String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('streamXml', () => {
  const doc = '<report v="2"><site name="s1"><item id="1"><t>a</t></item><item id="2"><t>b</t></item></site></report>';

  test('yields each completed element of the names asked for, with its ancestors', async () => {
    const matches = await collect(chunks(doc), ['item']);
    assert.deepEqual(
      matches.map((m) => m.element.attrs['id']),
      ['1', '2'],
    );
    assert.deepEqual(
      matches[0]?.ancestors.map((a) => a.name),
      ['report', 'site'],
    );
    assert.equal(attr(matches[0]?.ancestors[1], 'name'), 's1');
    assert.equal(textOf(matches[1]?.element, 't'), 'b');
  });

  test('reads Buffer chunks that split tags and multi-byte characters', async () => {
    const bytes = Buffer.from('<r><i>café ✓</i></r>');
    const parts = [...bytes].map((b) => Uint8Array.of(b));
    const matches = await collect(chunks(...parts), ['i']);
    assert.equal(matches[0]?.element.text, 'café ✓');
  });

  test('hands elements over before the whole document has been read', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<string> {
      yield '<r>';
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `<item n="${i}"/>`;
      }
      yield '</r>';
    }
    for await (const m of streamXml(source(), { ...opts, collect: ['item'] })) {
      assert.equal(m.element.attrs['n'], '0');
      assert.ok(pulled < 5);
      break;
    }
  });

  test('lets the caller reject the root before reading further', async () => {
    const onRoot = (root: { name: string }): void => {
      if (root.name !== 'expected') throw new EntenteError('bad_input', `wrong root <${root.name}>`);
    };
    await assert.rejects(collect(chunks(doc), ['item'], { onRoot }), badInputError(/wrong root <report>/));
  });

  test('reports a truncated stream with its line', async () => {
    await assert.rejects(
      collect(chunks('<r>\n<item>', '\n<t>x'), ['item']),
      badInputError(/line 3, column \d+: unclosed tag/),
    );
  });

  test('strips a byte-order mark', async () => {
    const matches = await collect(chunks('\uFEFF<r><i/></r>'), ['i']);
    assert.equal(matches.length, 1);
  });
});

describe('helpers', () => {
  const root = parseXml('<r><a><b>1</b><b> </b></a><a><b>3</b></a><tag><tag>inner</tag></tag></r>', opts);

  test('select walks a path of child names', () => {
    assert.deepEqual(
      select(root, 'a/b').map((b) => b.text),
      ['1', ' ', '3'],
    );
    assert.deepEqual(select(undefined, 'a/b'), []);
  });

  test('textOf gives undefined for blank or missing children, and children looks only one level down', () => {
    assert.equal(textOf(select(root, 'a')[0], 'b'), '1');
    assert.equal(textOf(child(root, 'a'), 'missing'), undefined);
    assert.equal(children(root, 'tag').length, 1);
    assert.equal(textOf(child(root, 'tag'), 'tag'), 'inner');
  });

  test('xmlRootName finds the root behind the declaration, comments and a DOCTYPE, even in a cut head', () => {
    assert.equal(
      xmlRootName(
        '\uFEFF<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE r [<!ENTITY a "b">]>\n<OWASPZAPReport version="2">',
      ),
      'OWASPZAPReport',
    );
    assert.equal(xmlRootName('<NessusClientData_v2>'), 'NessusClientData_v2');
    assert.equal(xmlRootName('<?xml version="1.0"?><!-- cut'), undefined);
    assert.equal(xmlRootName('{"json": true}'), undefined);
  });
});
