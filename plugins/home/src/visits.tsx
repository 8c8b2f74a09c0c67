import { storageApiRef, useApi } from '@backstage/frontend-plugin-api';
import { useEffect, useState } from 'react';
import { useLocation } from 'react-router-dom';

export type Visit = {
  path: string;
  title: string;
  /** What the page is: an entity kind, `docs`, or the first path segment. */
  kind: string;
  at: number;
};

const BUCKET = 'devportal.home';
const KEY = 'recentVisits';
const KEEP = 8;

/** Describes a path worth remembering, or undefined for pages that are not. */
export function describeVisit(pathname: string): Omit<Visit, 'at'> | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return undefined;
  if (parts[0] === 'catalog' && parts.length >= 4) {
    const [, namespace, kind, name] = parts;
    const path = `/catalog/${parts.slice(1, 4).join('/')}`;
    return { path, kind, title: namespace === 'default' ? name : `${namespace}/${name}` };
  }
  if (parts[0] === 'docs' && parts.length >= 4) {
    return { path: `/docs/${parts.slice(1, 4).join('/')}`, kind: 'docs', title: parts[3] };
  }
  if (['settings', 'search', 'notifications'].includes(parts[0])) return undefined;
  const title = parts[0].replace(/-/g, ' ');
  return { path: `/${parts[0]}`, kind: 'page', title: title.charAt(0).toUpperCase() + title.slice(1) };
}

/** Adds a visit to the front of the list, without duplicates, keeping the newest few. */
export function addVisit(visits: Visit[], visit: Visit): Visit[] {
  return [visit, ...visits.filter(v => v.path !== visit.path)].slice(0, KEEP);
}

export function VisitRecorder() {
  const storage = useApi(storageApiRef).forBucket(BUCKET);
  const { pathname } = useLocation();
  useEffect(() => {
    const visit = describeVisit(pathname);
    if (!visit) return;
    const previous = storage.snapshot<Visit[]>(KEY).value ?? [];
    storage.set(KEY, addVisit(Array.isArray(previous) ? previous : [], { ...visit, at: Date.now() }));
  }, [pathname, storage]);
  return null;
}

/** The remembered visits, newest first; updates when another tab records one. */
export function useRecentVisits(): Visit[] {
  const storage = useApi(storageApiRef).forBucket(BUCKET);
  const [visits, setVisits] = useState<Visit[]>(() => storage.snapshot<Visit[]>(KEY).value ?? []);
  useEffect(() => {
    const subscription = storage.observe$<Visit[]>(KEY).subscribe({
      next: snapshot => setVisits(snapshot.value ?? []),
    });
    return () => subscription.unsubscribe();
  }, [storage]);
  return Array.isArray(visits) ? visits : [];
}
