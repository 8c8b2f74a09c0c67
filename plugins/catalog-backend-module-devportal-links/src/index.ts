/**
 * Catalog module adding Documentation links to entities with TechDocs.
 *
 * @packageDocumentation
 */
export { catalogModuleDevportalLinks as default } from './module';
export { DocsLinkProcessor } from './DocsLinkProcessor';
