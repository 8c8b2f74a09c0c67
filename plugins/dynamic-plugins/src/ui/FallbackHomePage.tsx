import { Container, Flex, Link, Text } from '@backstage/ui';
import { FailurePanel } from './FailurePanel';

export function FallbackHomePage() {
  return (
    <Container py="6" data-testid="fallback-home">
      <Flex direction="column" gap="3">
        <FailurePanel />
        <Text as="h1" variant="title-large">
          DevPortal
        </Text>
        <Text color="secondary">The home page plugin is not enabled. Start from here:</Text>
        <Link href="/catalog">Software catalog</Link>
        <Link href="/api-docs">APIs</Link>
        <Link href="/docs">Documentation</Link>
        <Link href="/create">Create a component</Link>
      </Flex>
    </Container>
  );
}
