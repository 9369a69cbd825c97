'use client';
// The draft: a cluster's pending change set (the editor's unsaved inputs are its "form", see
// service-editor/form.ts). Pending edits per cluster, kept in sessionStorage so an admin can edit several services, look
// at other pages, and review them all as one change set (one revision). Each edit is the complete
// wanted service; the change list is computed against the revision the edits were made on.
import { useCallback, useSyncExternalStore } from 'react';
import type { Globals, VirtualService } from '@/lib/ipvs/model';
import type { Edits } from '@/lib/api/changes';

export type Draft = { baseRevision: number; edits: Edits; globals?: Globals; updatedAt: number };

const storageKey = (cluster: string) => `lvs-console:draft:${cluster}`;
const listeners = new Set<() => void>();
const cache = new Map<string, { raw: string | null; value: Draft | null }>();

function read(cluster: string): Draft | null {
  if (typeof window === 'undefined') return null;
  const raw = window.sessionStorage.getItem(storageKey(cluster));
  const hit = cache.get(cluster);
  if (hit && hit.raw === raw) return hit.value; // stable identity for useSyncExternalStore
  let value: Draft | null = null;
  try {
    value = raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    value = null;
  }
  cache.set(cluster, { raw, value });
  return value;
}

function write(cluster: string, d: Draft | null) {
  if (d && Object.keys(d.edits).length === 0 && !d.globals) d = null;
  if (d) window.sessionStorage.setItem(storageKey(cluster), JSON.stringify(d));
  else window.sessionStorage.removeItem(storageKey(cluster));
  listeners.forEach((l) => l());
}

function subscribe(l: () => void) {
  listeners.add(l);
  const onStorage = (e: StorageEvent) => {
    if (e.key?.startsWith('lvs-console:draft:')) l();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener('storage', onStorage);
  };
}

export function useDraft(cluster: string) {
  const draft = useSyncExternalStore(
    subscribe,
    () => read(cluster),
    () => null,
  );
  /** Record the wanted state of one service (null = remove it), made on `baseRevision`. */
  const setEdit = useCallback(
    (keyId: string, service: VirtualService | null, baseRevision: number) => {
      const cur = read(cluster);
      // edits made on an older revision are kept: they are complete services, re-diffed at review
      const next: Draft = { ...cur, baseRevision: cur?.baseRevision ?? baseRevision, edits: { ...(cur?.edits ?? {}), [keyId]: service }, updatedAt: Date.now() };
      write(cluster, next);
    },
    [cluster],
  );
  /** Record wanted director-wide settings (timeouts, sync daemons); undefined drops the edit. */
  const setGlobals = useCallback(
    (globals: Globals | undefined, baseRevision: number) => {
      const cur = read(cluster);
      write(cluster, { baseRevision: cur?.baseRevision ?? baseRevision, edits: cur?.edits ?? {}, ...(globals ? { globals } : {}), updatedAt: Date.now() });
    },
    [cluster],
  );
  const dropEdit = useCallback(
    (keyId: string) => {
      const cur = read(cluster);
      if (!cur) return;
      const edits = { ...cur.edits };
      delete edits[keyId];
      write(cluster, { ...cur, edits, updatedAt: Date.now() });
    },
    [cluster],
  );
  const rebase = useCallback(
    (baseRevision: number) => {
      const cur = read(cluster);
      if (cur) write(cluster, { ...cur, baseRevision, updatedAt: Date.now() });
    },
    [cluster],
  );
  const clear = useCallback(() => write(cluster, null), [cluster]);
  return { draft, count: draft ? Object.keys(draft.edits).length + (draft.globals ? 1 : 0) : 0, setEdit, setGlobals, dropEdit, rebase, clear };
}
