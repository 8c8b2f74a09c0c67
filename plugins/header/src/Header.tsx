import {
  appThemeApiRef,
  configApiRef,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { Avatar, ButtonIcon, Flex, Link, Menu, MenuItem, MenuSeparator, MenuTrigger, SearchField, Text } from '@backstage/ui';
import { RiNotification3Line, RiQuestionLine } from '@remixicon/react';
import { Component, ReactElement, ReactNode, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import styles from './Header.module.css';

function useThemeVariant(): 'light' | 'dark' {
  const themes = useApi(appThemeApiRef);
  const [id, setId] = useState(themes.getActiveThemeId());
  useEffect(() => {
    const subscription = themes.activeThemeId$().subscribe(setId);
    return () => subscription.unsubscribe();
  }, [themes]);
  const theme = themes.getInstalledThemes().find(t => t.id === id);
  if (theme) return theme.variant;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function Logo() {
  const config = useApi(configApiRef);
  const variant = useThemeVariant();
  const title = config.getOptionalString('app.title') ?? 'DevPortal';
  const light = config.getOptionalString('header.logo.light');
  const dark = config.getOptionalString('header.logo.dark') ?? light;
  const src = variant === 'dark' ? dark : light;
  const alt = config.getOptionalString('header.logo.alt') ?? title;
  return (
    <Link href="/" aria-label={`${title} home`} className={styles.logo} data-testid="header-logo" data-variant={variant}>
      {src ? <img src={src} alt={alt} height={28} /> : <span className={styles.wordmark}>{title}</span>}
    </Link>
  );
}

function Search() {
  const navigate = useNavigate();
  return (
    <SearchField
      aria-label="Search"
      placeholder="Search"
      size="small"
      className={styles.search}
      onSubmit={query => navigate(`/search?query=${encodeURIComponent(query)}`)}
    />
  );
}

/** Unread notifications, refreshed every minute; hidden when the plugin is absent. */
function Notifications() {
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const navigate = useNavigate();
  const [unread, setUnread] = useState<number | undefined>();
  useEffect(() => {
    let active = true;
    const load = async () => {
      try {
        const response = await fetch(`${await discovery.getBaseUrl('notifications')}/status`);
        if (response.ok && active) setUnread((await response.json()).unread ?? 0);
      } catch {
        // No notifications backend: the button still links to the page.
      }
    };
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [discovery, fetch]);
  const label = unread ? `Notifications (${unread} unread)` : 'Notifications';
  return (
    <span className={styles.badgeAnchor}>
      <ButtonIcon aria-label={label} variant="tertiary" icon={<RiNotification3Line />} onPress={() => navigate('/notifications')} />
      {unread ? (
        <span className={styles.badge} data-testid="header-unread">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </span>
  );
}

function Help() {
  const config = useApi(configApiRef);
  const links = config.getOptionalConfigArray('header.supportLinks')?.map(c => ({
    title: c.getString('title'),
    url: c.getString('url'),
  })) ?? [{ title: 'Documentation', url: '/docs' }];
  return (
    <MenuTrigger>
      <ButtonIcon aria-label="Help" variant="tertiary" icon={<RiQuestionLine />} />
      <Menu placement="bottom end">
        {links.map(link => (
          <MenuItem key={link.url} href={link.url}>
            {link.title}
          </MenuItem>
        ))}
      </Menu>
    </MenuTrigger>
  );
}

function UserMenu() {
  const identity = useApi(identityApiRef);
  const navigate = useNavigate();
  const [profile, setProfile] = useState<{ displayName?: string; picture?: string }>({});
  useEffect(() => {
    (async () => {
      const info = await identity.getProfileInfo().catch(() => ({} as { displayName?: string; picture?: string }));
      // Without a display name (the guest), the name part of the entity ref.
      const ref = (await identity.getBackstageIdentity().catch(() => undefined))?.userEntityRef ?? '';
      const fromRef = ref.split('/').pop() ?? '';
      setProfile({ ...info, displayName: info.displayName || (fromRef && fromRef.charAt(0).toUpperCase() + fromRef.slice(1)) });
    })();
  }, [identity]);
  const name = profile.displayName || 'User';
  return (
    <MenuTrigger>
      <ButtonIcon
        aria-label={`User menu for ${name}`}
        variant="tertiary"
        data-testid="header-user-menu"
        icon={<Avatar src={profile.picture ?? ''} name={name} size="small" />}
      />
      <Menu placement="bottom end">
        <MenuItem isDisabled>
          <Text variant="body-small" weight="bold">
            {name}
          </Text>
        </MenuItem>
        <MenuSeparator />
        <MenuItem onAction={() => navigate('/settings')}>Settings</MenuItem>
        <MenuItem color="danger" onAction={() => identity.signOut()}>
          Sign out
        </MenuItem>
      </Menu>
    </MenuTrigger>
  );
}

/** A widget that throws is dropped from the header, with its id in the console. */
class WidgetBoundary extends Component<{ id: string; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error: Error) {
    // eslint-disable-next-line no-console
    console.error(`Header widget ${this.props.id} failed: ${error.message}`);
  }
  render() {
    return this.state.failed ? null : this.props.children;
  }
}

export function Header(props: { widgets: Array<{ id: string; element: ReactElement }>; ownerId: string }) {
  const config = useApi(configApiRef);
  return (
    <header className={styles.header} data-testid="devportal-header" data-extension={props.ownerId}>
      <Flex align="center" gap="4" className={styles.row}>
        <Logo />
        {!config.getOptionalBoolean('header.hideSearch') && <Search />}
        <Flex align="center" gap="1" className={styles.actions}>
          {props.widgets.map(w => (
            <WidgetBoundary key={w.id} id={w.id}>
              {w.element}
            </WidgetBoundary>
          ))}
          <Notifications />
          <Help />
          <UserMenu />
        </Flex>
      </Flex>
    </header>
  );
}
