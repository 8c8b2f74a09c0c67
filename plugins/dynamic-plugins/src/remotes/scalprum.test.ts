import { createScalprumContainers, type WebpackContainer } from './scalprum';

/** A script that, once "loaded", registers a container the way RHDH's scripts do. */
function registeringScripts(containerFor: (url: string) => [string, WebpackContainer]) {
  return jest.spyOn(document.head, 'appendChild').mockImplementation(node => {
    const script = node as HTMLScriptElement;
    setTimeout(() => {
      const [name, container] = containerFor(script.src);
      (window as unknown as { __load_plugin_entry__(n: string, c: WebpackContainer): void }).__load_plugin_entry__(name, container);
      script.onload?.(new Event('load'));
    });
    return node;
  });
}

const container = (): WebpackContainer & { init: jest.Mock } => ({ init: jest.fn(), get: jest.fn() });

describe('createScalprumContainers', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives two loads their own containers through the one registration callback', async () => {
    const [a1, a2] = [container(), container()];
    registeringScripts(url => ['demo', url.includes('first') ? a1 : a2]);
    const first = createScalprumContainers();
    const second = createScalprumContainers();
    const shared = { react: { version: '18.3.1', lib: () => ({}) } };
    expect(await first.load('demo', ['http://x/first.js'], shared)).toBe(a1);
    expect(await second.load('demo', ['http://x/second.js'], shared)).toBe(a2);
    // Each initialised once, with the app's singletons in the share scope.
    expect(a1.init).toHaveBeenCalledTimes(1);
    expect(Object.keys(a1.init.mock.calls[0][0])).toEqual(['react']);
    // Loaded once per load: the second call is the cached container.
    expect(await first.load('demo', ['http://x/first.js'], shared)).toBe(a1);
    expect(document.head.appendChild).toHaveBeenCalledTimes(2);
  });
});
