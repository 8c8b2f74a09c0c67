import { addVisit, describeVisit } from './visits';

describe('recent visits', () => {
  it('describes entity pages, docs and top-level pages', () => {
    expect(describeVisit('/catalog/default/component/payments-service/api')).toEqual({
      path: '/catalog/default/component/payments-service',
      kind: 'component',
      title: 'payments-service',
    });
    expect(describeVisit('/catalog/team-a/api/ledger-api')?.title).toBe('team-a/ledger-api');
    expect(describeVisit('/docs/default/component/payments-service/runbook')?.kind).toBe('docs');
    expect(describeVisit('/api-docs')).toEqual({ path: '/api-docs', kind: 'page', title: 'Api docs' });
  });

  it('skips the home page and pages not worth remembering', () => {
    expect(describeVisit('/')).toBeUndefined();
    expect(describeVisit('/settings/general')).toBeUndefined();
    expect(describeVisit('/search')).toBeUndefined();
  });

  it('keeps the newest eight, without duplicates', () => {
    let visits: ReturnType<typeof addVisit> = [];
    for (let i = 0; i < 10; i++) visits = addVisit(visits, { path: `/p${i}`, title: `p${i}`, kind: 'page', at: i });
    visits = addVisit(visits, { path: '/p5', title: 'p5', kind: 'page', at: 99 });
    expect(visits).toHaveLength(8);
    expect(visits[0]).toMatchObject({ path: '/p5', at: 99 });
    expect(visits.filter(v => v.path === '/p5')).toHaveLength(1);
  });
});
