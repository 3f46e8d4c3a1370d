/**
 * Small, strict helpers over @xmldom/xmldom for the solution files: parse with every parser complaint
 * collected (instead of printed), and walk child elements by local name. Dataverse's XML has no
 * namespaces on its elements, so local names are enough.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export type XmlElement = Element;

export interface ParsedXml {
  readonly document: Document | undefined;
  readonly root: XmlElement | undefined;
  /** Parser errors ("unclosed tag …"), empty when the text is well-formed. */
  readonly errors: readonly string[];
}

const BYTE_ORDER_MARK = '\uFEFF';

/** Decodes UTF-8 bytes and drops the byte order mark real exports start with. */
export function decodeUtf8(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}

export function parseXml(text: string): ParsedXml {
  const errors: string[] = [];
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') errors.push(message.trim());
      },
    }).parseFromString(text, 'text/xml');
    const root = document.documentElement ?? undefined;
    if (!root) errors.push('no root element');
    return { document, root: root ?? undefined, errors };
  } catch (error) {
    errors.push(error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error));
    return { document: undefined, root: undefined, errors };
  }
}

/** Direct child elements, optionally only those with the given local name. */
export function childElements(parent: XmlElement, name?: string): XmlElement[] {
  const result: XmlElement[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) {
      const element = node as XmlElement;
      if (name === undefined || element.localName === name) result.push(element);
    }
  }
  return result;
}

export function firstChild(parent: XmlElement, name: string): XmlElement | undefined {
  return childElements(parent, name)[0];
}

/** Follows a path of child names (`firstChildPath(root, 'SolutionManifest', 'Publisher')`). */
export function childAt(parent: XmlElement, ...names: string[]): XmlElement | undefined {
  let current: XmlElement | undefined = parent;
  for (const name of names) {
    if (!current) return undefined;
    current = firstChild(current, name);
  }
  return current;
}

/** Every descendant element with the given local name, in document order. */
export function descendants(parent: XmlElement, name: string): XmlElement[] {
  const list = parent.getElementsByTagName(name);
  const result: XmlElement[] = [];
  for (let index = 0; index < list.length; index += 1) {
    const element = list.item(index);
    if (element) result.push(element);
  }
  return result;
}

/** Trimmed text content of an element, or undefined when the element is absent. */
export function textOf(element: XmlElement | undefined): string | undefined {
  if (!element) return undefined;
  return (element.textContent ?? '').trim();
}
