'use client';
// Toasts: short results of an action ("Revision 12 created", "ipvsadm: Service already exists").
// Errors stay until dismissed; successes fade after a few seconds. Announced to screen readers.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from './errors';
import styles from './toast.module.css';

export type ToastKind = 'ok' | 'bad' | 'info' | 'warn';
type Toast = { id: number; kind: ToastKind; title: string; detail?: string };
type ToastApi = { show: (kind: ToastKind, title: string, detail?: string) => void; dismiss: (id: number) => void };

const Ctx = createContext<ToastApi | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const show = useCallback(
    (kind: ToastKind, title: string, detail?: string) => {
      const id = next.current++;
      setToasts((t) => [...t.slice(-4), { id, kind, title, detail }]);
      if (kind !== 'bad') setTimeout(() => dismiss(id), kind === 'warn' ? 8000 : 4500);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ show, dismiss }), [show, dismiss]);
  return (
    <Ctx.Provider value={api}>
      {children}
      <div className={styles.stack} role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`${styles.toast} ${styles[t.kind]}`} data-testid={`toast-${t.kind}`}>
            <div className={styles.body}>
              <strong>{t.title}</strong>
              {t.detail ? <div className={styles.detail}>{t.detail}</div> : null}
            </div>
            <button type="button" className={styles.close} aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(Ctx);
  if (!api) throw new Error('useToast outside ToastProvider');
  return api;
}

/**
 * `attempt(failure, action)`: runs an action of a button; if it throws, a "bad" toast titled
 * `failure` carries the error's message. It resolves either way, so the caller closes its dialog.
 */
export function useAttempt() {
  const toast = useToast();
  return async (failure: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (e) {
      toast.show('bad', failure, errorMessage(e));
    }
  };
}
