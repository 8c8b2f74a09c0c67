import { mountTargetOf } from './mountPointTable';

describe('mountTargetOf', () => {
  it("maps RHDH's mount points to where DevPortal attaches them", () => {
    expect(mountTargetOf('entity.page.overview/cards')).toEqual({ kind: 'entity-card' });
    expect(mountTargetOf('entity.page.overview/context')).toEqual({ kind: 'entity-card' });
    expect(mountTargetOf('entity.page.image-registry/cards')).toEqual({ kind: 'entity-tab', tab: 'image-registry' });
    expect(mountTargetOf('entity.page.ci/context')).toEqual({ kind: 'entity-tab', tab: 'ci' });
    expect(mountTargetOf('home.page/cards')).toEqual({ kind: 'slot', name: 'home-card', attachTo: { id: 'page:home', input: 'cards' } });
    const widget = { kind: 'slot', name: 'header-widget', attachTo: { id: 'app-header:header', input: 'widgets' } };
    expect(mountTargetOf('application/header')).toEqual(widget);
    expect(mountTargetOf('global.header/component')).toEqual(widget);
  });

  it('knows nothing of other mount points', () => {
    expect(mountTargetOf('search.page.results')).toBeUndefined();
    expect(mountTargetOf('entity.context.menu')).toBeUndefined();
    expect(mountTargetOf('entity.page.ci')).toBeUndefined();
    expect(mountTargetOf('xhome.page/cards')).toBeUndefined();
  });
});
