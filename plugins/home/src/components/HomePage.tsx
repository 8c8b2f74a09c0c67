import { configApiRef, identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import { Container, Flex, Grid, SearchField, Text } from '@backstage/ui';
import { ReactElement } from 'react';
import { useNavigate } from 'react-router-dom';
import { CardBoundary } from './CardBoundary';
import { CatalogSummaryCard, ConfiguredCards, QuickLinksCard, RecentCard, StarredCard } from './cards';
import { useAsync } from './useAsync';

export interface ContributedCard {
  id: string;
  title?: string;
  element: ReactElement;
}

/** The profile's display name, else the name part of the user's entity ref ("guest" → "Guest"). */
export async function displayName(identity: {
  getProfileInfo(): Promise<{ displayName?: string }>;
  getBackstageIdentity(): Promise<{ userEntityRef: string }>;
}): Promise<string> {
  const profile = await identity.getProfileInfo().catch(() => ({ displayName: undefined }));
  if (profile.displayName) return profile.displayName;
  const ref = (await identity.getBackstageIdentity().catch(() => undefined))?.userEntityRef ?? '';
  const name = ref.split('/').pop() ?? '';
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : '';
}

export function greetingFor(hour: number): string {
  if (hour < 5) return 'Good evening';
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

function Greeting() {
  const config = useApi(configApiRef);
  const identity = useApi(identityApiRef);
  const profile = useAsync(() => displayName(identity), [identity]);
  const name = profile.value ?? '';
  const template = config.getOptionalString('home.greeting');
  const line = template ? template.replace('{name}', name) : `${greetingFor(new Date().getHours())}${name ? `, ${name}` : ''}`;
  const subtitle = config.getOptionalString('home.subtitle') ?? `Welcome to ${config.getOptionalString('app.title') ?? 'DevPortal'}.`;
  return (
    <Flex direction="column" gap="1">
      <Text as="h1" variant="title-large" data-testid="home-greeting">
        {line}
      </Text>
      <Text color="secondary">{subtitle}</Text>
    </Flex>
  );
}

function HomeSearch() {
  const navigate = useNavigate();
  return (
    <SearchField
      aria-label="Search the portal"
      placeholder="Search the catalog, docs and APIs"
      size="medium"
      onSubmit={query => navigate(`/search?query=${encodeURIComponent(query)}`)}
    />
  );
}

/** The home page; every built-in card can be hidden with `home.hide`. */
export function HomePage({ cards }: { cards: ContributedCard[] }) {
  const config = useApi(configApiRef);
  const hidden = new Set(config.getOptionalStringArray('home.hide') ?? []);
  const builtIn: Array<[string, ReactElement]> = [
    ['starred', <StarredCard />],
    ['recent', <RecentCard />],
    ['catalog', <CatalogSummaryCard />],
    ['links', <QuickLinksCard />],
  ];
  return (
    <Container py="6" data-testid="devportal-home">
      <Flex direction="column" gap="6">
        <Greeting />
        <HomeSearch />
        <Grid.Root columns={{ initial: '1', md: '2', lg: '3' }} gap="4">
          {builtIn
            .filter(([name]) => !hidden.has(name))
            .map(([name, card]) => (
              <CardBoundary key={name} name={name}>
                {card}
              </CardBoundary>
            ))}
          <ConfiguredCards />
          {cards.map(card => (
            <CardBoundary key={card.id} name={card.title ?? card.id}>
              {card.element}
            </CardBoundary>
          ))}
        </Grid.Root>
      </Flex>
    </Container>
  );
}
