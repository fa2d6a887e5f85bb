/** Atlassian Document Format (what Jira Cloud REST v3 takes for a description): paragraphs, a bullet list, a link. */

export type AdfNode = { type: string; [k: string]: unknown };
export interface AdfDoc {
  version: 1;
  type: 'doc';
  content: AdfNode[];
}

const text = (t: string, href?: string): AdfNode => ({
  type: 'text',
  text: t,
  ...(href ? { marks: [{ type: 'link', attrs: { href } }] } : {}),
});

/** A document of paragraphs, then "label: value" items, then a paragraph linking `link` (when given). */
export function adfDocument(parts: {
  paragraphs: string[];
  items?: { label: string; value: string }[];
  link?: { text: string; href: string } | undefined;
}): AdfDoc {
  const content: AdfNode[] = parts.paragraphs
    .filter((p) => p.trim() !== '')
    .map((p) => ({ type: 'paragraph', content: [text(p)] }));
  if (parts.items?.length) {
    content.push({
      type: 'bulletList',
      content: parts.items.map((i) => ({
        type: 'listItem',
        content: [
          { type: 'paragraph', content: [{ ...text(`${i.label}: `), marks: [{ type: 'strong' }] }, text(i.value)] },
        ],
      })),
    });
  }
  if (parts.link) content.push({ type: 'paragraph', content: [text(parts.link.text, parts.link.href)] });
  return { version: 1, type: 'doc', content };
}
