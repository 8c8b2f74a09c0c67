import type { Config } from '@backstage/config';
import express from 'express';
import Router from 'express-promise-router';
import type { CatalogStatsCache } from './catalogStats';

export interface QuickLink {
  title: string;
  url: string;
  icon?: string;
}

export function readQuickLinks(config: Config): QuickLink[] {
  return (config.getOptionalConfigArray('portalInfo.links') ?? []).map(link => ({
    title: link.getString('title'),
    url: link.getString('url'),
    icon: link.getOptionalString('icon'),
  }));
}

export function createRouter(options: { links: QuickLink[]; stats: CatalogStatsCache }): express.Router {
  const router = Router();
  router.get('/links', (_req, res) => {
    res.json({ links: options.links });
  });
  router.get('/stats', (_req, res) => {
    res.json(options.stats.get());
  });
  return router;
}
