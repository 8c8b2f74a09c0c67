import { MarkdownContent } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Button, Card, CardBody, Flex, Grid, Text } from '@backstage/ui';
import type { ChangeRequest, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import type { ReactNode } from 'react';
import { marketplaceApiRef } from '../api';
import { configToYaml } from '../installed/configYaml';
import { useLoad } from '../useLoad';
import { CompatibilityVerdict } from './compatibility';
import { InstallPanel } from './InstallPanel';

export interface CatalogDetailProps {
  id: string;
  installed: ReadonlySet<string>;
  busy: boolean;
  onStage(change: ChangeRequest): Promise<PendingChange>;
  onBack(): void;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <Text as="h3" variant="title-x-small">
        {title}
      </Text>
      {children}
    </section>
  );
}

function List({ items, empty }: { items: string[] | undefined; empty: string }) {
  if (!items?.length) return <Text color="secondary">{empty}</Text>;
  return (
    <ul style={{ margin: 0, paddingLeft: 18 }}>
      {items.map(item => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

/**
 * One catalog entry. The README comes from whoever publishes the plugin, so
 * it goes through MarkdownContent, which sanitizes (rehype-sanitize): no
 * script, no event handler attributes, no javascript: links.
 */
export function CatalogDetail({ id, installed, busy, onStage, onBack }: CatalogDetailProps) {
  const api = useApi(marketplaceApiRef);
  const entry = useLoad(() => api.getCatalogEntry(id), [api, id]);
  const e = entry.value;
  return (
    <Flex direction="column" gap="4">
      <Flex>
        <Button variant="tertiary" onPress={onBack}>
          Back to catalog
        </Button>
      </Flex>
      {entry.error && <Alert status="danger" role="alert" title="The entry could not be loaded" description={entry.error.message} />}
      {!e && entry.loading && <Text>Loading…</Text>}
      {e && (
        <Grid.Root columns={{ initial: '1', md: '3' }} gap="4">
          <Grid.Item colSpan={{ initial: '1', md: '2' }}>
            <article aria-label={`${e.title} details`}>
              <Flex direction="column" gap="3">
                <Text as="h2" variant="title-small">
                  {e.title}
                </Text>
                <Text color="secondary">
                  {e.name} · {e.kind} · {e.source} · {e.category}
                </Text>
                <Text>{e.description}</Text>
                <Section title="Compatibility">
                  <CompatibilityVerdict compatibility={e.compatibility} withReason />
                </Section>
                <Section title="Required configuration">
                  <List items={e.requiredConfig} empty="No required keys." />
                </Section>
                <Section title="Environment variables">
                  <List items={e.environment} empty="None." />
                </Section>
                <Section title="Wiring">
                  {e.defaultConfig && Object.keys(e.defaultConfig).length > 0 ? (
                    <pre style={{ overflowX: 'auto', margin: 0 }}>{configToYaml(e.defaultConfig)}</pre>
                  ) : (
                    <Text color="secondary">It brings no wiring.</Text>
                  )}
                </Section>
                {e.companions && e.companions.length > 0 && (
                  <Section title="Goes with">
                    <List items={e.companions} empty="" />
                  </Section>
                )}
                <Section title="README">
                  {e.readme ? <MarkdownContent content={e.readme} /> : <Text color="secondary">No README.</Text>}
                </Section>
                <Text variant="body-small" color="secondary">
                  Listed by {e.origin}
                </Text>
              </Flex>
            </article>
          </Grid.Item>
          <Grid.Item>
            <Card>
              <CardBody>
                <InstallPanel key={e.id} entry={e} installed={installed} busy={busy} onStage={onStage} />
              </CardBody>
            </Card>
          </Grid.Item>
        </Grid.Root>
      )}
    </Flex>
  );
}
