import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarScrollWrapper,
  SidebarSpace,
  SidebarSubmenu,
  SidebarSubmenuItem,
} from '@backstage/core-components';
import { iconsApiRef, useApi, useApiHolder } from '@backstage/frontend-plugin-api';
import { NavContentBlueprint, type NavContentNavItem } from '@backstage/plugin-app-react';
import { NotificationsSidebarItem } from '@backstage/plugin-notifications';
import { SidebarSearchModal } from '@backstage/plugin-search';
import { UserSettingsSignInAvatar } from '@backstage/plugin-user-settings';
import MenuIcon from '@material-ui/icons/Menu';
import SearchIcon from '@material-ui/icons/Search';
import { AdminOnly, byPriorityThenTitle, menuOrderApiRef, PLUGINS_PAGE_ID } from '@devportal/plugin-dynamic-plugins';
import { SidebarLogo } from './SidebarLogo';

/** An icon by name, from the app's icons (those of dynamic plugins' `appIcons` included). */
function NamedIcon({ name }: { name?: string }) {
  const icons = useApi(iconsApiRef);
  return (name && icons.icon(name)) || <MenuIcon />;
}

function NavLink({ item }: { item: NavContentNavItem }) {
  return <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />;
}

/**
 * The menu items left after the fixed ones: ordered by RHDH `menuItems`
 * `priority` (higher first; unset is 0), then by title; those with a
 * `parent` group nested in a submenu under it.
 */
function PluginMenu({ items }: { items: NavContentNavItem[] }) {
  // Absent in an app without the dynamic plugins loader: then nothing is placed.
  const menuOrder = useApiHolder().get(menuOrderApiRef);
  const menuPlacement = (id: string) => menuOrder?.placement(id);
  const menuGroup = (name: string) => menuOrder?.group(name);
  const nested = new Map<string, NavContentNavItem[]>();
  const top: Array<{ title: string; priority?: number; element: JSX.Element }> = [];
  for (const item of items) {
    const placement = menuPlacement(item.node.spec.id);
    const group = placement?.parent ? menuGroup(placement.parent) : undefined;
    if (group) nested.set(group.name, [...(nested.get(group.name) ?? []), item]);
    else top.push({ title: item.title, priority: placement?.priority, element: <NavLink key={item.node.spec.id} item={item} /> });
  }
  for (const [name, children] of nested) {
    const group = menuGroup(name)!;
    const ordered = byPriorityThenTitle(children, c => menuPlacement(c.node.spec.id)?.priority, c => c.title);
    top.push({
      title: group.title,
      priority: group.priority,
      element: (
        <SidebarItem key={`group:${name}`} icon={() => <NamedIcon name={group.icon} />} text={group.title}>
          <SidebarSubmenu title={group.title}>
            {ordered.map(child => (
              <SidebarSubmenuItem key={child.node.spec.id} title={child.title} to={child.href} icon={() => child.icon} />
            ))}
          </SidebarSubmenu>
        </SidebarItem>
      ),
    });
  }
  return <>{byPriorityThenTitle(top, t => t.priority, t => t.title).map(t => t.element)}</>;
}

/**
 * The sidebar. Pages contributed by plugins, static or dynamic, appear in the
 * menu by themselves; the ones named here get a fixed place at the top.
 */
export const sidebarContent = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      const take = (id: string) => {
        const item = navItems.take(id);
        return item ? <NavLink item={item} /> : null;
      };
      // These have dedicated widgets below instead of plain links.
      navItems.take('page:search');
      navItems.take('page:notifications');
      // The admin Plugins page: listed for admins only (the page itself also refuses others).
      const pluginsItem = navItems.take(PLUGINS_PAGE_ID);
      return (
        <Sidebar>
          <SidebarLogo />
          <SidebarGroup label="Search" icon={<SearchIcon />} to="/search">
            <SidebarSearchModal />
          </SidebarGroup>
          <SidebarDivider />
          <SidebarGroup label="Menu" icon={<MenuIcon />}>
            {take('page:home')}
            {take('page:catalog')}
            {take('page:api-docs')}
            {take('page:techdocs')}
            {take('page:scaffolder')}
            <SidebarDivider />
            <SidebarScrollWrapper>
              <PluginMenu items={navItems.rest().filter(item => item.node.spec.id !== 'page:user-settings')} />
            </SidebarScrollWrapper>
          </SidebarGroup>
          <SidebarSpace />
          <SidebarDivider />
          <NotificationsSidebarItem />
          <SidebarDivider />
          <SidebarGroup label="Settings" icon={<UserSettingsSignInAvatar />} to="/settings">
            {pluginsItem && (
              <AdminOnly>
                <NavLink item={pluginsItem} />
              </AdminOnly>
            )}
            {take('page:user-settings')}
          </SidebarGroup>
        </Sidebar>
      );
    },
  },
});
