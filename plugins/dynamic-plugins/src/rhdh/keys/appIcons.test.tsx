import { render, screen } from '@testing-library/react';
import { FallbackIcon, IconBoundary, loadIcon } from './appIcons';

const icon = { name: 'adoptionInsightsIcon', module: 'Legacy', importName: 'AdoptionInsightsIcon' };

function captureWarnings(): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation(message => void warnings.push(String(message)));
  return { warnings, restore: () => spy.mockRestore() };
}

describe('appIcons', () => {
  it('gives the export when it is a component, with no warning', async () => {
    const Icon = () => <svg data-testid="own-icon" />;
    const console = captureWarnings();
    try {
      expect(await loadIcon('@demo/plugin', async () => Icon, icon)).toBe(Icon);
    } finally {
      console.restore();
    }
    expect(console.warnings).toEqual([]);
  });

  it('gives the fallback icon for an export the module lacks, warning with plugin, icon, module and export', async () => {
    const load = async () => {
      throw new Error("its module Legacy has no export 'AdoptionInsightsIcon'");
    };
    const console = captureWarnings();
    try {
      expect(await loadIcon('@demo/plugin', load, icon)).toBe(FallbackIcon);
      expect(await loadIcon('@demo/plugin', async () => 'not a component', icon)).toBe(FallbackIcon);
    } finally {
      console.restore();
    }
    expect(console.warnings).toEqual([
      "@demo/plugin: icon adoptionInsightsIcon (module Legacy, export 'AdoptionInsightsIcon') could not be loaded, a fallback icon is shown: its module Legacy has no export 'AdoptionInsightsIcon'",
      "@demo/plugin: icon adoptionInsightsIcon (module Legacy, export 'AdoptionInsightsIcon') could not be loaded, a fallback icon is shown: the export is not a React component (string)",
    ]);
  });

  it('draws the fallback instead of an icon that throws while rendering, and the items around it stay', () => {
    const Throwing = () => {
      throw new Error('no theme');
    };
    const console = captureWarnings();
    const errors = jest.spyOn(globalThis.console, 'error').mockImplementation(() => {});
    try {
      render(
        <ul>
          <li>
            <IconBoundary label="@demo/plugin" name="broken">
              <Throwing />
            </IconBoundary>
            Broken item
          </li>
          <li>Next item</li>
        </ul>,
      );
    } finally {
      errors.mockRestore();
      console.restore();
    }
    expect(screen.getByTestId('dynamic-icon-fallback')).toBeTruthy();
    expect(screen.getByText('Next item')).toBeTruthy();
    expect(console.warnings).toEqual(['@demo/plugin: icon broken failed to render, a fallback icon is shown: no theme']);
  });
});
