import '@testing-library/jest-dom';
import { act, screen, waitFor } from '@testing-library/react';
import { APPLY_SIGNAL_CHANNEL, GENERATION_HEADER } from '@devportal/plugin-dynamic-plugins-common';
import { fakeMarketplace, fakeSignals, renderWith } from '../testing/fakeMarketplace';
import { PluginsChangedNotice } from './PluginsChangedNotice';

describe('PluginsChangedNotice', () => {
  const realFetch = global.fetch;
  let served = 4;
  const urls: string[] = [];
  beforeEach(() => {
    served = 4;
    urls.length = 0;
    global.fetch = jest.fn(async (url: RequestInfo | URL) => {
      urls.push(String(url));
      return { headers: new Headers({ [GENERATION_HEADER]: String(served) }), body: null } as unknown as Response;
    }) as typeof fetch;
  });
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('stays hidden until an apply serves, then offers a reload', async () => {
    const signals = fakeSignals();
    renderWith(<PluginsChangedNotice pollMs={60_000} />, { marketplace: fakeMarketplace(), signals });
    await waitFor(() => expect(urls).toEqual(['http://localhost:7007/.backstage/dynamic-features/remotes']));
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    // Progress of an apply is not a change yet.
    act(() => signals.push(APPLY_SIGNAL_CHANNEL, { generation: 5, stage: 'download', state: 'applying' }));
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    act(() => signals.push(APPLY_SIGNAL_CHANNEL, { generation: 5, stage: 'healthy', state: 'serving' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Plugins changed — reload');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();
  });

  it('notices a new generation from the remotes list when the signal was missed (a backend switch)', async () => {
    renderWith(<PluginsChangedNotice pollMs={50} />, { marketplace: fakeMarketplace(), signals: fakeSignals() });
    await waitFor(() => expect(urls.length).toBeGreaterThan(1));
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    served = 5;
    expect(await screen.findByRole('status')).toHaveTextContent('An administrator applied plugin changes');
  });
});
