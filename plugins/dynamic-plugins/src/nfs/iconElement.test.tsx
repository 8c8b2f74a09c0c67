import { render } from '@testing-library/react';
import { iconElement } from './iconElement';

/** The markup React puts in the page for an icon. */
const rendered = (markup: string) => render(iconElement(markup)).container.innerHTML;

describe('iconElement', () => {
  it('keeps what draws an icon', () => {
    expect(rendered('<svg viewBox="0 0 24 24" class="MuiSvgIcon-root" aria-hidden="true" focusable="false"><path d="M1 1h2" stroke-width="2"></path></svg>')).toBe(
      '<span style="display: inline-flex; align-items: center;"><svg viewBox="0 0 24 24" class="MuiSvgIcon-root" aria-hidden="true" focusable="false"><path d="M1 1h2" stroke-width="2"></path></svg></span>',
    );
    expect(rendered('<span aria-hidden="true">★</span>')).toBe('<span style="display: inline-flex; align-items: center;"><span aria-hidden="true">★</span></span>');
  });

  it('drops what could run, load or navigate', () => {
    const html = rendered('<img src="x" onerror="alert(1)"><script>alert(2)</script><svg onload="alert(3)"><a href="javascript:x"><path/></a><use href="#y"/><foreignObject><iframe src="x"></iframe></foreignObject><style>*{}</style></svg>');
    expect(html).toBe('<span style="display: inline-flex; align-items: center;"><svg></svg></span>');
  });

  it.each([
    ['mutation XSS through foreign content', '<form><math><mtext></form><form><mglyph><xmp></math><img src onerror=alert(1)>'],
    ['a refresh to another page', '<meta http-equiv="refresh" content="0;url=https://evil.example">'],
    ['noscript re-parsing', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
    ['an svg-in-html namespace confusion', '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'],
    ['styles that load', '<svg><path d="M0 0" fill="url(https://evil.example/x.svg#a)" style="background:url(x)"/></svg>'],
    ['DOM clobbering ids', '<svg id="config"><path id="__proto__" d="M0 0"/></svg>'],
  ])('renders nothing active for %s', (_what, payload) => {
    const html = rendered(payload);
    expect(html).not.toMatch(/<(img|meta|script|iframe|form|math|style|a|noscript)\b/i);
    expect(html).not.toMatch(/\son\w+=|\sid=|\sstyle="(?!display: inline-flex)|url\(|javascript:/i);
  });

  it('stops at a depth and a node count no icon needs', () => {
    const deep = `${'<g>'.repeat(100)}<path d="M0 0"/>${'</g>'.repeat(100)}`;
    expect(rendered(`<svg>${deep}</svg>`)).not.toContain('<path');
    const many = `<svg>${'<path d="M0 0"/>'.repeat(5000)}</svg>`;
    expect((rendered(many).match(/<path/g) ?? []).length).toBeLessThan(2000);
  });
});
