import '@testing-library/jest-dom';
import { screen } from '@testing-library/react';
import { fakeMarketplace, renderWith } from '../testing/fakeMarketplace';
import { ReplicasView } from './ReplicasView';

describe('ReplicasView', () => {
  it('lists each replica with the generation it serves, and why one could not follow', async () => {
    renderWith(<ReplicasView refreshKey={0} />, { marketplace: fakeMarketplace() });
    const a = await screen.findByRole('row', { name: /portal-a:7007/ });
    expect(a).toHaveTextContent('#3');
    expect(a).toHaveTextContent('serves generation 3');
    const b = screen.getByRole('row', { name: /portal-b:7007/ });
    expect(b).toHaveTextContent('could not apply; serves generation 2');
    expect(b).toHaveTextContent('registry.example: connection refused');
  });
});
