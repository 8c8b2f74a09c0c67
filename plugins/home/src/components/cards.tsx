import { configApiRef, useApi, useApiHolder } from '@backstage/frontend-plugin-api';
import { Card, CardBody, CardHeader, Flex, Link, Skeleton, Tag, TagGroup, Text } from '@backstage/ui';
import { ReactNode, useEffect, useState } from 'react';
import { useRecentVisits } from '../visits';
import { entityRefToPath, starredEntitiesApiRef, useBackendJson } from './api';
import { useAsync } from './useAsync';

export function HomeCard(props: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card data-testid={props.testId}>
      <CardHeader>
        <Text as="h2" variant="title-x-small" weight="bold">
          {props.title}
        </Text>
      </CardHeader>
      <CardBody>{props.children}</CardBody>
    </Card>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Text variant="body-small" color="secondary">
      {children}
    </Text>
  );
}

function LinkList({ items }: { items: Array<{ path: string; title: string; detail?: string }> }) {
  return (
    <Flex direction="column" gap="2">
      {items.map(item => (
        <Flex key={item.path} justify="between" align="center" gap="2">
          <Link href={item.path} truncate>
            {item.title}
          </Link>
          {item.detail && (
            <Text variant="body-x-small" color="secondary">
              {item.detail}
            </Text>
          )}
        </Flex>
      ))}
    </Flex>
  );
}

export function StarredCard() {
  const api = useApiHolder().get(starredEntitiesApiRef);
  const [refs, setRefs] = useState<string[]>([]);
  useEffect(() => {
    if (!api) return undefined;
    const subscription = api.starredEntitie$().subscribe({ next: set => setRefs([...set].sort()) });
    return () => subscription.unsubscribe();
  }, [api]);
  const items = refs.flatMap(ref => {
    const target = entityRefToPath(ref);
    return target ? [{ ...target, detail: target.kind }] : [];
  });
  return (
    <HomeCard title="Starred" testId="home-starred">
      {items.length > 0 ? <LinkList items={items} /> : <Empty>Star an entity in the catalog to keep it here.</Empty>}
    </HomeCard>
  );
}

export function RecentCard() {
  const visits = useRecentVisits();
  return (
    <HomeCard title="Recently visited" testId="home-recent">
      {visits.length > 0 ? (
        <LinkList items={visits.map(v => ({ path: v.path, title: v.title, detail: v.kind }))} />
      ) : (
        <Empty>Pages you open show up here.</Empty>
      )}
    </HomeCard>
  );
}

interface Facets {
  facets: Record<string, Array<{ value: string; count: number }>>;
}

export function CatalogSummaryCard() {
  const get = useBackendJson();
  const summary = useAsync(() => get<Facets>('catalog', '/entity-facets?facet=kind'), [get]);
  const kinds = [...(summary.value?.facets.kind ?? [])].sort((a, b) => b.count - a.count);
  return (
    <HomeCard title="Software catalog" testId="home-catalog-summary">
      {summary.loading && <Skeleton width="100%" height={64} />}
      {summary.error && <Empty>The catalog did not answer: {summary.error.message}</Empty>}
      {summary.value && (
        <TagGroup aria-label="Entities by kind">
          {kinds.map(k => (
            <Tag key={k.value} id={k.value} href={`/catalog?filters%5Bkind%5D=${encodeURIComponent(k.value.toLowerCase())}`}>
              {`${k.value} · ${k.count}`}
            </Tag>
          ))}
        </TagGroup>
      )}
    </HomeCard>
  );
}

interface QuickLink {
  title: string;
  url: string;
  description?: string;
}

export function QuickLinksCard() {
  const config = useApi(configApiRef);
  const get = useBackendJson();
  const configured = config.getOptionalConfigArray('home.quickLinks')?.map(c => ({
    title: c.getString('title'),
    url: c.getString('url'),
    description: c.getOptionalString('description'),
  }));
  // Without home.quickLinks, the portal-info backend plugin's links are used.
  const served = useAsync(
    async () => configured ?? (await get<{ links: QuickLink[] }>('portal-info', '/links')).links,
    [get],
  );
  const links = served.value ?? [];
  return (
    <HomeCard title="Quick links" testId="home-quick-links">
      {served.loading && <Skeleton width="100%" height={64} />}
      {!served.loading && links.length === 0 && <Empty>No links configured (home.quickLinks).</Empty>}
      {links.length > 0 && <LinkList items={links.map(l => ({ path: l.url, title: l.title, detail: l.description }))} />}
    </HomeCard>
  );
}

/** Cards written in config (`home.cards`). */
export function ConfiguredCards() {
  const config = useApi(configApiRef);
  const cards = config.getOptionalConfigArray('home.cards') ?? [];
  return (
    <>
      {cards.map((card, index) => {
        const title = card.getString('title');
        const paragraphs = (card.getOptionalString('text') ?? '').split(/\n\s*\n/).filter(Boolean);
        const links = card.getOptionalConfigArray('links') ?? [];
        return (
          <HomeCard key={`${index}-${title}`} title={title} testId="home-config-card">
            <Flex direction="column" gap="2">
              {paragraphs.map((text, i) => (
                <Text key={i} as="p" variant="body-medium">
                  {text}
                </Text>
              ))}
              {links.length > 0 && (
                <LinkList items={links.map(l => ({ path: l.getString('url'), title: l.getString('title') }))} />
              )}
            </Flex>
          </HomeCard>
        );
      })}
    </>
  );
}
