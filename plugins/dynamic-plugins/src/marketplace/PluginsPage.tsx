import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Container, Flex, Tab, TabList, TabPanel, Tabs, Text } from '@backstage/ui';
import type { ChangeRequest, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useAdminState } from './admin';
import { errorMessage, isForbidden, marketplaceApiRef } from './api';
import { ApplyProgressPanel } from './apply/ApplyProgressPanel';
import { PendingBar } from './apply/PendingBar';
import { useApplyProgress, type ApplyStatus, type ApplyTiming } from './apply/useApplyProgress';
import { CatalogView } from './catalog/CatalogView';
import { HistoryView } from './history/HistoryView';
import { ReplicasView } from './history/ReplicasView';
import { InstalledView } from './installed/InstalledView';
import { useLoad } from './useLoad';

export interface PluginsPageProps {
  /** Tests shorten the polling and the catalog search delay. */
  timing?: ApplyTiming;
  searchDelayMs?: number;
}

function NotAllowed() {
  return (
    <Container py="6">
      <Alert status="danger" role="alert" title="Not allowed" description="You are not allowed to manage plugins. Ask a DevPortal admin (devportal.admins)." />
    </Container>
  );
}

/**
 * The admin Plugins page. It is part of the app bundle, not a dynamic
 * plugin, so it still opens when every dynamic plugin is broken: that is
 * when an admin needs it to disable or roll back the one that broke.
 * Nothing is fetched before the backend says the user is an admin.
 */
export function PluginsPage(props: PluginsPageProps) {
  const admin = useAdminState();
  if (admin === 'checking') {
    return (
      <Container py="6">
        <Text>Checking your permissions…</Text>
      </Container>
    );
  }
  return admin === 'admin' ? <PluginsAdmin {...props} /> : <NotAllowed />;
}

function PluginsAdmin({ timing, searchDelayMs }: PluginsPageProps) {
  const api = useApi(marketplaceApiRef);
  const [refreshKey, setRefreshKey] = useState(0);
  const overview = useLoad(() => api.listPlugins(), [api, refreshKey]);
  const [applyStart, setApplyStart] = useState<ApplyStatus>();
  const [applyError, setApplyError] = useState<string>();
  const progress = useApplyProgress(applyStart, timing);
  const busy = progress?.state === 'applying';

  // A page opened while an apply runs follows that apply.
  const applying = overview.value?.applying;
  useEffect(() => {
    if (applying && applying.state === 'applying') {
      setApplyStart(s => (s?.generation === applying.id ? s : { generation: applying.id, state: 'applying', stage: applying.stage }));
    }
  }, [applying]);

  // When an apply ends, the installed list, the pending changes and the
  // history all changed: read them again, once.
  const ended = useRef<number>();
  useEffect(() => {
    if (!progress || progress.state === 'applying' || ended.current === progress.generation) return;
    ended.current = progress.generation;
    setRefreshKey(k => k + 1);
  }, [progress]);

  const startApply = useCallback((generation: number) => {
    setApplyError(undefined);
    ended.current = undefined;
    setApplyStart({ generation, state: 'applying' });
  }, []);

  const onApply = () => {
    setApplyError(undefined);
    api.apply().then(
      ({ generation }) => startApply(generation),
      e => setApplyError(errorMessage(e)),
    );
  };
  const onStage = async (change: ChangeRequest): Promise<PendingChange> => {
    const staged = await api.stageChange(change);
    overview.reload();
    return staged;
  };
  const onDiscard = (change: PendingChange) => {
    api.discardChange(change.id).then(overview.reload, e => setApplyError(errorMessage(e)));
  };
  const onRollback = async (generation: number) => {
    const answer = await api.rollback(generation);
    startApply(answer.generation);
  };

  const plugins = overview.value?.plugins;
  // Catalog entries name the package; an OCI or bundled plugin's key is its reference or path.
  const installed = useMemo(() => new Set((plugins ?? []).flatMap(p => (p.name ? [p.key, p.name] : [p.key]))), [plugins]);

  if (isForbidden(overview.error)) return <NotAllowed />;
  return (
    <Container py="4">
      <Flex direction="column" gap="4">
        {overview.error && <Alert status="danger" role="alert" title="The plugins could not be loaded" description={overview.error.message} />}
        {progress && <ApplyProgressPanel status={progress} />}
        <PendingBar changes={overview.value?.pending ?? []} busy={busy} error={applyError} onApply={onApply} onDiscard={onDiscard} />
        <Tabs defaultSelectedKey="installed">
          <TabList aria-label="Plugins views">
            <Tab id="installed">Installed</Tab>
            <Tab id="catalog">Catalog</Tab>
            <Tab id="history">History</Tab>
          </TabList>
          <TabPanel id="installed">
            {plugins ? <InstalledView plugins={plugins} busy={busy} onStage={onStage} /> : overview.loading && <Text>Loading…</Text>}
          </TabPanel>
          <TabPanel id="catalog">
            <CatalogView installed={installed} busy={busy} onStage={onStage} searchDelayMs={searchDelayMs} />
          </TabPanel>
          <TabPanel id="history">
            <Flex direction="column" gap="5">
              <HistoryView refreshKey={refreshKey} busy={busy} onRollback={onRollback} />
              <ReplicasView refreshKey={refreshKey} />
            </Flex>
          </TabPanel>
        </Tabs>
      </Flex>
    </Container>
  );
}
