import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Flex, Grid, SearchField, Select, Text } from '@backstage/ui';
import { CATALOG_KINDS, type CatalogKind, type ChangeRequest, type PendingChange, type PluginSourceLabel } from '@devportal/plugin-dynamic-plugins-common';
import { useEffect, useMemo, useState } from 'react';
import { marketplaceApiRef, type CatalogFilter } from '../api';
import { useLoad } from '../useLoad';
import { AddByPackage } from './AddByPackage';
import { CatalogCard } from './CatalogCard';
import { CatalogDetail } from './CatalogDetail';

export interface CatalogViewProps {
  /** Keys (package names) installed now: Install becomes a version change for them, with no consent note. */
  installed: ReadonlySet<string>;
  busy: boolean;
  onStage(change: ChangeRequest): Promise<PendingChange>;
  /** Milliseconds to wait after the last keystroke before searching. */
  searchDelayMs?: number;
}

const ALL = 'all';
const SOURCES: PluginSourceLabel[] = ['bundled', 'npm', 'oci'];

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** Browse and search the configured catalog sources; filtering is the backend's (one rule for UI and API). */
export function CatalogView({ installed, busy, onStage, searchDelayMs = 250 }: CatalogViewProps) {
  const api = useApi(marketplaceApiRef);
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState(ALL);
  const [kind, setKind] = useState(ALL);
  const [source, setSource] = useState(ALL);
  const [compatibleOnly, setCompatibleOnly] = useState(false);
  const [selected, setSelected] = useState<string>();
  const q = useDebounced(query.trim(), searchDelayMs);

  const filter: CatalogFilter = {
    q: q || undefined,
    category: category === ALL ? undefined : category,
    kind: kind === ALL ? undefined : (kind as CatalogKind),
    source: source === ALL ? undefined : (source as PluginSourceLabel),
    compatible: compatibleOnly || undefined,
  };
  const page = useLoad(() => api.listCatalog(filter), [api, filter.q, filter.category, filter.kind, filter.source, filter.compatible]);

  // Categories are whatever the sources use: remember every one seen, so
  // picking one does not shrink the list of choices to itself.
  const [seenCategories, setSeenCategories] = useState<string[]>([]);
  useEffect(() => {
    const found = page.value?.entries.map(e => e.category).filter(Boolean) ?? [];
    setSeenCategories(prev => (found.every(c => prev.includes(c)) ? prev : [...new Set([...prev, ...found])].sort()));
  }, [page.value]);
  const categoryOptions = useMemo(() => [{ value: ALL, label: 'All categories' }, ...seenCategories.map(c => ({ value: c, label: c }))], [seenCategories]);

  if (selected) {
    return <CatalogDetail id={selected} installed={installed} busy={busy} onStage={onStage} onBack={() => setSelected(undefined)} />;
  }

  const entries = page.value?.entries ?? [];
  return (
    <Flex direction="column" gap="4">
      <Flex gap="3" align="end" style={{ flexWrap: 'wrap' }}>
        <SearchField label="Search plugins" placeholder="Name, title or description" value={query} onChange={setQuery} style={{ minWidth: 260 }} />
        <Select label="Category" options={categoryOptions} selectedKey={category} onSelectionChange={k => setCategory(String(k ?? ALL))} />
        <Select
          label="Kind"
          options={[{ value: ALL, label: 'All kinds' }, ...CATALOG_KINDS.map(k => ({ value: k, label: k }))]}
          selectedKey={kind}
          onSelectionChange={k => setKind(String(k ?? ALL))}
        />
        <Select
          label="Source"
          options={[{ value: ALL, label: 'All sources' }, ...SOURCES.map(s => ({ value: s, label: s }))]}
          selectedKey={source}
          onSelectionChange={k => setSource(String(k ?? ALL))}
        />
        <Select
          label="Compatibility"
          options={[
            { value: ALL, label: 'Any' },
            { value: 'compatible', label: 'Compatible only' },
          ]}
          selectedKey={compatibleOnly ? 'compatible' : ALL}
          onSelectionChange={k => setCompatibleOnly(k === 'compatible')}
        />
      </Flex>
      {page.value?.errors.map(message => (
        <Alert key={message} status="warning" title="A catalog source could not be read" description={message} />
      ))}
      {page.error && <Alert status="danger" role="alert" title="The catalog could not be loaded" description={page.error.message} />}
      {page.loading && !page.value && <Text>Loading the catalog…</Text>}
      {page.value && entries.length === 0 && <Text>No plugin matches.</Text>}
      <Grid.Root columns={{ initial: '1', md: '2', lg: '3' }} gap="3" role="list" aria-label="Catalog entries" aria-busy={page.loading}>
        {entries.map(entry => (
          <CatalogCard key={entry.id} entry={entry} installed={installed.has(entry.name)} onOpen={() => setSelected(entry.id)} />
        ))}
      </Grid.Root>
      <AddByPackage installed={installed} busy={busy} onStage={onStage} />
    </Flex>
  );
}
