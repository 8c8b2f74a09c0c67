import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { Alert, Button } from '@backstage/ui';
import { APPLY_SIGNAL_CHANNEL, GENERATION_HEADER, REMOTES_LIST_PATH, type ApplyProgress } from '@devportal/plugin-dynamic-plugins-common';
import { useEffect, useRef, useState } from 'react';

/** How often an open page asks which generation serves, for when a pushed message was missed (a backend switch). */
const POLL_MS = 15_000;

/**
 * Shown on every page, to everyone: "Plugins changed — reload". An apply
 * changes what a new page load gets (new remotes, or a new backend
 * generation with new routes); a page already open keeps the code it
 * loaded. It learns of the change from the apply's `serving` signal, and,
 * because a signal sent while its connection moves to the new backend is
 * lost, from the generation header of the public remotes list, asked now and
 * then. The page's own generation is the one served when it loaded.
 */
export function PluginsChangedNotice({ pollMs = POLL_MS }: { pollMs?: number }) {
  const config = useApi(configApiRef);
  const { lastSignal } = useSignal(APPLY_SIGNAL_CHANNEL);
  const loadedWith = useRef<number | undefined>(undefined);
  const [changed, setChanged] = useState(false);
  const listUrl = `${config.getString('backend.baseUrl').replace(/\/$/, '')}${REMOTES_LIST_PATH}`;

  useEffect(() => {
    let live = true;
    const check = async () => {
      try {
        const response = await fetch(listUrl, { method: 'GET', cache: 'no-store' });
        const served = Number(response.headers.get(GENERATION_HEADER) ?? NaN);
        await response.body?.cancel().catch(() => {});
        if (!live || !Number.isFinite(served)) return;
        if (loadedWith.current === undefined) loadedWith.current = served;
        else if (served !== loadedWith.current) setChanged(true);
      } catch {
        // A backend switch or a network hiccup: the next round asks again.
      }
    };
    void check();
    const timer = setInterval(check, pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [listUrl, pollMs]);

  useEffect(() => {
    const message = lastSignal as unknown as ApplyProgress | null;
    if (message?.state === 'serving' && message.generation !== loadedWith.current) setChanged(true);
  }, [lastSignal]);

  if (!changed) return null;
  return (
    <div role="status" aria-live="polite" style={{ position: 'fixed', right: 16, bottom: 16, zIndex: 1400, maxWidth: 420 }}>
      <Alert
        status="info"
        title="Plugins changed — reload"
        description="An administrator applied plugin changes. Reload the page to use them."
        customActions={
          <Button variant="primary" onPress={() => window.location.reload()}>
            Reload
          </Button>
        }
      />
    </div>
  );
}
