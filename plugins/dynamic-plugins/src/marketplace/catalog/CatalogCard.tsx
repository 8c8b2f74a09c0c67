import { Button, Card, CardBody, CardFooter, CardHeader, Flex, Text } from '@backstage/ui';
import type { CatalogListing } from '@devportal/plugin-dynamic-plugins-common';
import { CompatibilityVerdict } from './compatibility';

export interface CatalogCardProps {
  entry: CatalogListing;
  installed: boolean;
  onOpen(): void;
}

/** One catalog entry in the list; the detail view has the README and Install. */
export function CatalogCard({ entry, installed, onOpen }: CatalogCardProps) {
  const newest = entry.versions[0];
  return (
    <div role="listitem" aria-label={entry.title}>
      <Card style={{ height: '100%' }}>
        <CardHeader>
          <Text as="h3" variant="title-x-small">
            {entry.title}
          </Text>
          <Text variant="body-small" color="secondary">
            {entry.name}
            {newest ? ` ${newest.version}` : ''}
          </Text>
        </CardHeader>
        <CardBody>
          <Flex direction="column" gap="2">
            <Text>{entry.description}</Text>
            <Text variant="body-small" color="secondary">
              {entry.kind} · {entry.source} · {entry.category}
              {installed ? ' · installed' : ''}
            </Text>
            <CompatibilityVerdict compatibility={entry.compatibility} />
          </Flex>
        </CardBody>
        <CardFooter>
          <Button size="small" variant="secondary" onPress={onOpen} aria-label={`Details of ${entry.title}`}>
            Details
          </Button>
        </CardFooter>
      </Card>
    </div>
  );
}
