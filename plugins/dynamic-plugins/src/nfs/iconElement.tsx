import { createElement, type ReactElement, type ReactNode } from 'react';

/**
 * Elements an icon is drawn with. Everything else (scripts, links, embedded
 * documents, `<use>`, `<style>`, `<foreignObject>`, `<meta>`, images, forms)
 * is dropped with its content.
 */
const ICON_ELEMENTS = new Set([
  'svg', 'g', 'path', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'rect', 'title', 'desc', 'defs',
  'span',
]);

/**
 * Attributes that only say how to draw: no event handlers, links or styles,
 * and no `id` (an id in the page can shadow globals, DOM clobbering), so no
 * gradients or clip paths, which need one; icons are single-colour shapes.
 */
const ICON_ATTRIBUTES = new Set([
  'viewbox', 'd', 'fill', 'fill-rule', 'fill-opacity', 'clip-rule', 'stroke', 'stroke-width',
  'stroke-linecap', 'stroke-linejoin', 'stroke-miterlimit', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-opacity',
  'opacity', 'transform', 'cx', 'cy', 'r', 'rx', 'ry', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'width', 'height', 'points',
  'class', 'focusable', 'role',
  'aria-hidden', 'aria-label', 'data-testid', 'xmlns', 'preserveaspectratio',
]);

/** `stroke-width` → `strokeWidth`, `class` → `className`; `aria-*` and `data-*` stay as they are. */
function reactName(attribute: string, original: string): string {
  if (attribute === 'class') return 'className';
  if (attribute.startsWith('aria-') || attribute.startsWith('data-')) return attribute;
  if (attribute === 'viewbox') return 'viewBox';
  if (attribute === 'preserveaspectratio') return 'preserveAspectRatio';
  return original.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** No value may load or run anything (`url(…)`, `javascript:`). */
function safeValue(value: string): boolean {
  return !/url\s*\(|javascript:|expression\s*\(/i.test(value);
}

const MAX_DEPTH = 32;
const MAX_NODES = 2000;

/**
 * An icon rendered to markup when the plugin was exported, turned into React
 * elements from an allow-list: only drawing elements and drawing attributes.
 *
 * The markup is parsed into an inert document and read, never assigned to
 * `innerHTML` of the page: what the browser would re-parse differently the
 * second time (mutation XSS such as `<form><math><mtext></form>…`) cannot
 * reach the page, and whatever is not on the list (`<meta http-equiv>`,
 * `<img onerror>`, `<a href>`) is simply not created.
 */
export function iconElement(markup: string): ReactElement {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${markup}</body>`, 'text/html');
  let budget = MAX_NODES;
  const convert = (node: Node, key: number, depth: number): ReactNode => {
    if (--budget < 0 || depth > MAX_DEPTH) return null;
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    const element = node as Element;
    const tag = element.localName.toLowerCase();
    if (!ICON_ELEMENTS.has(tag)) return null;
    const props: Record<string, unknown> = { key };
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      if (ICON_ATTRIBUTES.has(name) && safeValue(attribute.value)) props[reactName(name, attribute.name)] = attribute.value;
    }
    const children = Array.from(element.childNodes).map((child, index) => convert(child, index, depth + 1));
    return createElement(element.localName, props, ...children);
  };
  const children = Array.from(doc.body.childNodes).map((child, index) => convert(child, index, 0));
  return <span style={{ display: 'inline-flex', alignItems: 'center' }}>{children}</span>;
}
