import { IconBundleBlueprint } from '@backstage/plugin-app-react';
import { Component, lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { firstLine } from '../../messages';
import type { ExportLoader, WiringHandler } from '../types';

/**
 * Drawn instead of an icon whose code failed (a puzzle piece, Material's
 * "extension"): the sidebar item keeps its place and its text.
 */
export function FallbackIcon() {
  // Sized as Material UI's SvgIcon, like the icons around it.
  return (
    <svg
      viewBox="0 0 24 24"
      fill="currentColor"
      aria-hidden="true"
      data-testid="dynamic-icon-fallback"
      style={{ width: '1em', height: '1em', fontSize: '1.5rem', flexShrink: 0 }}
    >
      <path d="M20.5 11H19V7c0-1.1-.9-2-2-2h-4V3.5C13 2.12 11.88 1 10.5 1S8 2.12 8 3.5V5H4c-1.1 0-1.99.9-1.99 2v3.8H3.5c1.49 0 2.7 1.21 2.7 2.7s-1.21 2.7-2.7 2.7H2V20c0 1.1.9 2 2 2h3.8v-1.5c0-1.49 1.21-2.7 2.7-2.7 1.49 0 2.7 1.21 2.7 2.7V22H17c1.1 0 2-.9 2-2v-4h1.5c1.38 0 2.5-1.12 2.5-2.5S21.88 11 20.5 11z" />
    </svg>
  );
}

function isComponent(value: unknown): value is ComponentType<any> {
  return typeof value === 'function' || (!!value && typeof value === 'object' && '$$typeof' in value);
}

/**
 * The icon export, or the fallback with a console warning naming plugin,
 * icon, module and export. Icons render inside the app's navigation, which
 * has one error boundary for every plugin's items: an icon that throws there
 * blanks the whole sidebar ("Error in extension 'nav-content:app'"), so a
 * broken icon must never throw.
 */
export async function loadIcon(label: string, load: ExportLoader, icon: { name: string; module: string; importName: string }) {
  const where = `icon ${icon.name} (module ${icon.module}, export '${icon.importName}')`;
  try {
    const value = await load(icon.module, icon.importName);
    if (isComponent(value)) return value;
    throw new Error(`the export is not a React component (${typeof value})`);
  } catch (error) {
    // eslint-disable-next-line no-console
    console.warn(`${label}: ${where} could not be loaded, a fallback icon is shown: ${firstLine(error)}`);
    return FallbackIcon;
  }
}

/** Draws the fallback when the icon itself throws while rendering, naming it once in the console. */
export class IconBoundary extends Component<{ label: string; name: string; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidCatch(error: unknown) {
    // eslint-disable-next-line no-console
    console.warn(`${this.props.label}: icon ${this.props.name} failed to render, a fallback icon is shown: ${firstLine(error)}`);
  }

  render() {
    return this.state.failed ? <FallbackIcon /> : this.props.children;
  }
}

/**
 * `appIcons`: icons by name for the whole app, each loading the plugin's
 * code when first shown. Bundles go to the `app` plugin (its icons input
 * takes them from no other), collected across plugins.
 */
export const appIcons: WiringHandler = ({ remote }, app) => {
  if (remote.wiring.appIcons.length === 0) return;
  const icons = Object.fromEntries(
    remote.wiring.appIcons.map(icon => {
      const Icon = lazy(async () => ({ default: await loadIcon(remote.label, remote.load, icon) }));
      return [
        icon.name,
        (props: object) => (
          <IconBoundary label={remote.label} name={icon.name}>
            <Suspense fallback={null}>
              <Icon {...props} />
            </Suspense>
          </IconBoundary>
        ),
      ];
    }),
  );
  app.iconBundles.push(IconBundleBlueprint.make({ name: `dynamic-icons-${remote.pluginId}`, params: { icons } }));
};
