import { Text } from '@backstage/ui';
import type { CatalogCompatibility } from '@devportal/plugin-dynamic-plugins-common';

export function verdictLabel(c: CatalogCompatibility): string {
  if (c.compatible === true) return 'Compatible';
  if (c.compatible === false) return 'Incompatible';
  return 'Compatibility unknown';
}

/** The host-compatibility verdict with its reason, coloured by outcome. */
export function CompatibilityVerdict({ compatibility, withReason }: { compatibility: CatalogCompatibility; withReason?: boolean }) {
  const color = compatibility.compatible === true ? 'success' : compatibility.compatible === false ? 'danger' : 'warning';
  return (
    <Text variant="body-small" color={color}>
      {verdictLabel(compatibility)}
      {withReason && compatibility.reason ? `: ${compatibility.reason}` : ''}
    </Text>
  );
}
