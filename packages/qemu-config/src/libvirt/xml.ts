/**
 * A libvirt domain XML read into a small element tree with fast-xml-parser, for hostile input:
 * a size limit, no DOCTYPE (so no entity definitions and no expansion), only XML's five
 * predefined entities and character references decoded, a nesting limit, and a well-formedness
 * check first (the parser alone is lenient).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { QemuConfigError } from '../errors.ts';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text, trimmed. */
  readonly text: string;
  /** `domain/devices/disk[1]`: where it is, for messages. */
  readonly path: string;
}

export const MAX_XML_CHARS = 4 << 20;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 100_000;

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,4});/g, (m, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new QemuConfigError('BAD_XML', `${where}: bad character reference ${m}`, { where });
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw new QemuConfigError('BAD_XML', `${where}: entity ${m} is not one of XML's predefined five`, { where });
    return v;
  });
}

type Node = Record<string, unknown>;

function convert(node: Node, parentPath: string, index: number, depth: number, count: { n: number }): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?') || name.startsWith('!')) return undefined;
  if (depth > MAX_DEPTH) throw new QemuConfigError('BAD_XML', `${parentPath}: elements nested deeper than ${MAX_DEPTH}`, { where: parentPath });
  if (++count.n > MAX_ELEMENTS) throw new QemuConfigError('LIMIT_EXCEEDED', `more than ${MAX_ELEMENTS} XML elements`);
  const path = parentPath === '' ? name : `${parentPath}/${name}[${index}]`;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = decode(String(v), path);
  const kids = (node[name] ?? []) as Node[];
  const children: XmlElement[] = [];
  const seen = new Map<string, number>();
  let text = '';
  for (const k of kids) {
    if ('#text' in k) {
      text += String(k['#text']);
      continue;
    }
    const childName = Object.keys(k).find((x) => x !== ':@') ?? '';
    const i = seen.get(childName) ?? 0;
    seen.set(childName, i + 1);
    const c = convert(k, path, i, depth + 1, count);
    if (c !== undefined) children.push(c);
  }
  return { name, attrs, children, text: decode(text.trim(), path), path };
}

/**
 * Parses `text` into its root element.
 * @throws QemuConfigError('BAD_XML' | 'LIMIT_EXCEEDED')
 */
export function parseXml(text: string, source: string): XmlElement {
  if (text.length > MAX_XML_CHARS) throw new QemuConfigError('LIMIT_EXCEEDED', `${source}: ${text.length} characters of XML (at most ${MAX_XML_CHARS})`);
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(text);
  if (doctype !== null) throw new QemuConfigError('BAD_XML', `${source}: offset ${doctype.index}: a DOCTYPE or entity declaration (libvirt writes none; not taken)`, { where: source, offset: doctype.index });
  // XMLParser alone accepts unclosed and mismatched tags. fast-xml-parser 5 marks its validator
  // deprecated in favour of a separate fast-xml-validator package, which is not available here;
  // the validator is still part of the 5.x API.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new QemuConfigError('BAD_XML', `${source}: line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`, { where: source });
  let parsed: unknown;
  try {
    parsed = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', processEntities: false, parseTagValue: false, parseAttributeValue: false, trimValues: true, allowBooleanAttributes: false }).parse(text);
  } catch (e) {
    throw new QemuConfigError('BAD_XML', `${source}: ${e instanceof Error ? e.message : String(e)}`, { where: source }, { cause: e });
  }
  const count = { n: 0 };
  for (const n of parsed as Node[]) {
    const el = convert(n, '', 0, 0, count);
    if (el !== undefined) return el;
  }
  throw new QemuConfigError('BAD_XML', `${source}: no root element`, { where: source });
}

/** Children named `name`. */
export function all(e: XmlElement | undefined, name: string): XmlElement[] {
  return e === undefined ? [] : e.children.filter((c) => c.name === name);
}

/** The first child named `name`. */
export function first(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name);
}
