import '@testing-library/jest-dom';
import { screen, within } from '@testing-library/react';
import { fakeMarketplace, plugins, renderWith } from '../testing/fakeMarketplace';
import { InstalledView } from './InstalledView';

describe('InstalledView trust badge', () => {
  it('shows who signed each plugin under a trust policy, and nothing without one', () => {
    const [first, second, ...rest] = plugins;
    const shown = [
      { ...first, trust: { status: 'verified' as const, mode: 'enforce' as const, by: 'key release', method: 'cosign' } },
      { ...second, trust: { status: 'invalid' as const, mode: 'audit' as const, detail: 'a signature by no trusted key' } },
      ...rest.map(p => ({ ...p, trust: { status: 'not-checked' as const, mode: 'off' as const } })),
    ];
    renderWith(<InstalledView plugins={shown} busy={false} onStage={jest.fn()} />, { marketplace: fakeMarketplace() });
    const row = (key: string) => screen.getByRole('row', { name: new RegExp(key.replace(/[/.@]/g, '\\$&')) });
    expect(within(row(first.key)).getByLabelText('verified by key release (trust policy: enforce)')).toHaveTextContent('signed');
    expect(within(row(second.key)).getByLabelText('invalid (a signature by no trusted key) (trust policy: audit)')).toHaveTextContent('invalid');
    for (const p of rest) expect(within(row(p.key)).queryByLabelText(/trust policy/)).toBeNull();
  });
});
