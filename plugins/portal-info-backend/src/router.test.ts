import { ConfigReader } from '@backstage/config';
import express from 'express';
import request from 'supertest';
import type { CatalogStatsCache } from './catalogStats';
import { createRouter, readQuickLinks } from './router';

describe('portal-info router', () => {
  const stats = { get: () => ({ byKind: { Component: 3 }, total: 3, countedAt: '2026-11-24T00:00:00.000Z' }) } as unknown as CatalogStatsCache;

  it('serves the quick links from config', async () => {
    const links = readQuickLinks(new ConfigReader({ portalInfo: { links: [{ title: 'Runbooks', url: '/docs/runbooks', icon: 'docs' }] } }));
    const app = express().use(createRouter({ links, stats }));
    const res = await request(app).get('/links');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ links: [{ title: 'Runbooks', url: '/docs/runbooks', icon: 'docs' }] });
  });

  it('serves the last counted catalog statistics', async () => {
    const app = express().use(createRouter({ links: [], stats }));
    const res = await request(app).get('/stats');
    expect(res.body.byKind).toEqual({ Component: 3 });
  });

  it('refuses a link without a url with the config key in the message', () => {
    expect(() => readQuickLinks(new ConfigReader({ portalInfo: { links: [{ title: 'x' }] } }))).toThrow(/url/);
  });
});
