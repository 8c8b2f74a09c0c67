import { DYNAMIC_PLUGINS_ROUTES } from '@devportal/plugin-dynamic-plugins-common';
import { MarketplaceClient, MarketplaceError, isForbidden } from './api';

function client(answer: (url: string, init: RequestInit) => Partial<Response>) {
  const fetch = jest.fn(async (url: string, init: RequestInit) => ({ ok: true, status: 200, statusText: '', ...answer(url, init) }) as Response);
  const discoveryApi = { getBaseUrl: jest.fn(async (id: string) => `http://portal/api/${id}`) };
  return { api: new MarketplaceClient({ discoveryApi, fetchApi: { fetch: fetch as never } }), fetch, discoveryApi };
}

describe('MarketplaceClient', () => {
  it('builds the catalog query from the filter, leaving out what is not set', async () => {
    const { api, fetch } = client(() => ({ json: async () => ({ entries: [], errors: [] }) }));
    await api.listCatalog({ q: 'kube ctl', kind: 'backend', compatible: true, category: '' });
    expect(fetch.mock.calls[0][0]).toBe('http://portal/api/dynamic-plugins/catalog?q=kube+ctl&kind=backend&compatible=true');
    await api.listCatalog();
    expect(fetch.mock.calls[1][0]).toBe('http://portal/api/dynamic-plugins/catalog');
  });

  it('posts a change as JSON and fills ids into routes', async () => {
    const { api, fetch } = client(() => ({ status: 201, json: async () => ({ id: 3 }) }));
    await api.stageChange({ action: 'disable', package: '@acme/x' });
    expect(fetch.mock.calls[0][0]).toBe(`http://portal/api/dynamic-plugins${DYNAMIC_PLUGINS_ROUTES.changes}`);
    expect(fetch.mock.calls[0][1]).toMatchObject({ method: 'POST', body: '{"action":"disable","package":"@acme/x"}', headers: { 'content-type': 'application/json' } });
    await api.rollback(7);
    expect(fetch.mock.calls[1][0]).toBe('http://portal/api/dynamic-plugins/generations/7/rollback');
    await api.getCatalogEntry('a/b');
    expect(fetch.mock.calls[2][0]).toBe('http://portal/api/dynamic-plugins/catalog/a%2Fb');
  });

  it('treats 204 as no body and reads the effective YAML as text', async () => {
    const { api } = client((_url, init) =>
      init.method === 'DELETE' ? { status: 204, json: async () => Promise.reject(new Error('no body')) } : { text: async () => 'plugins: []\n' },
    );
    await expect(api.discardChange(2)).resolves.toBeUndefined();
    await expect(api.effectiveYaml()).resolves.toBe('plugins: []\n');
  });

  it("asks for a plugin's config schema by its key", async () => {
    const { api, fetch } = client(() => ({ json: async () => ({ key: '@acme/x', schemas: [] }) }));
    await expect(api.pluginSchema('@acme/x')).resolves.toEqual({ key: '@acme/x', schemas: [] });
    expect(fetch.mock.calls[0][0]).toBe('http://portal/api/dynamic-plugins/plugin-schema?key=%40acme%2Fx');
  });

  it("turns Backstage's error JSON into an error with its name, status and message", async () => {
    const { api } = client(() => ({ ok: false, status: 409, json: async () => ({ error: { name: 'ConflictError', message: 'an apply is running' } }) }));
    const error = await api.apply().catch(e => e);
    expect(error).toBeInstanceOf(MarketplaceError);
    expect(error).toMatchObject({ message: 'an apply is running', status: 409, errorName: 'ConflictError' });
  });

  it('says the status when the error body is not JSON', async () => {
    const { api } = client(() => ({ ok: false, status: 403, statusText: 'Forbidden', json: async () => Promise.reject(new SyntaxError('html')) }));
    const error = await api.listPlugins().catch(e => e);
    expect(error.message).toBe('GET /plugins: HTTP 403 Forbidden');
    expect(isForbidden(error)).toBe(true);
  });

  it("asks devportal's whoami once, and again after a failure", async () => {
    let fail = true;
    const { api, fetch } = client(url => {
      expect(url).toBe('http://portal/api/devportal/whoami');
      if (fail) return { ok: false, status: 503, json: async () => ({}) };
      return { json: async () => ({ isAdmin: true }) };
    });
    await expect(api.whoami()).rejects.toThrow('503');
    fail = false;
    await expect(api.whoami()).resolves.toEqual({ isAdmin: true });
    await api.whoami();
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
