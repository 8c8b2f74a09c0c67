import { Link, sidebarConfig, useSidebarOpenState } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core';
import { useContext } from 'react';
import { HeaderPresentContext } from './AppLayout';

const useStyles = makeStyles({
  root: {
    width: sidebarConfig.drawerWidthClosed,
    height: 3 * sidebarConfig.logoHeight,
    display: 'flex',
    flexFlow: 'row nowrap',
    alignItems: 'center',
    marginBottom: -14,
  },
  link: {
    width: sidebarConfig.drawerWidthClosed,
    marginLeft: 24,
    color: '#fff',
    fontWeight: 700,
    fontSize: 20,
    letterSpacing: 0.5,
    whiteSpace: 'nowrap',
    textDecoration: 'none',
  },
});

/**
 * The portal's name as a wordmark; shortened when the sidebar is closed.
 * With a header plugin the header shows the logo and this keeps the space.
 */
export const SidebarLogo = () => {
  const classes = useStyles();
  const { isOpen } = useSidebarOpenState();
  if (useContext(HeaderPresentContext)) return <div style={{ height: 16 }} />;
  return (
    <div className={classes.root}>
      <Link to="/" underline="none" className={classes.link} aria-label="Home">
        {isOpen ? 'DevPortal' : 'DP'}
      </Link>
    </div>
  );
};
