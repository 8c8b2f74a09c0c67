import type { Entity } from '@backstage/catalog-model';
import type { CatalogProcessor } from '@backstage/plugin-catalog-node';

const TECHDOCS_REF = 'backstage.io/techdocs-ref';

/**
 * Adds a "Documentation" link to every entity that has TechDocs, so the
 * about card and search results lead to the docs in one click.
 */
export class DocsLinkProcessor implements CatalogProcessor {
  /** @param appBaseUrl the portal's URL (`app.baseUrl`): catalog links must be absolute. */
  constructor(private readonly appBaseUrl: string) {}

  getProcessorName() {
    return 'DevportalDocsLinkProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    if (!entity.metadata.annotations?.[TECHDOCS_REF]) return entity;
    const namespace = entity.metadata.namespace ?? 'default';
    const url = `${this.appBaseUrl.replace(/\/$/, '')}/docs/${namespace}/${entity.kind.toLocaleLowerCase('en-US')}/${entity.metadata.name}`;
    const links = entity.metadata.links ?? [];
    if (links.some(link => link.url === url)) return entity;
    return {
      ...entity,
      metadata: { ...entity.metadata, links: [...links, { url, title: 'Documentation', icon: 'docs' }] },
    };
  }
}
