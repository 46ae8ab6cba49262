import { useCallback, useEffect, useRef, useState } from 'react';

/** A message after a write; `undo` takes the write back. */
export interface Toast {
  id: number;
  message: string;
  tone: 'success' | 'error';
  undo?: () => Promise<void>;
}

const VISIBLE_MS = 15_000;

/** The toast list and the functions that add and remove toasts. */
export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const push = useCallback((toast: Omit<Toast, 'id'>) => {
    const id = next.current++;
    // Newest last; at most four on screen.
    setToasts((list) => [...list.slice(-3), { ...toast, id }]);
    return id;
  }, []);
  return { toasts, push, dismiss };
}

function ToastItem({ toast, dismiss }: { toast: Toast; dismiss: (id: number) => void }) {
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // A toast with Undo stays while focus is in it; others leave after a while.
    const timer = setTimeout(() => dismiss(toast.id), VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [toast.id, dismiss]);
  return (
    <li className={`toast toast-${toast.tone}`} data-testid="toast" data-tone={toast.tone}>
      <span>{toast.message}</span>
      {toast.undo && (
        <button
          type="button"
          data-testid="toast-undo"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await toast.undo?.();
            } finally {
              dismiss(toast.id);
            }
          }}
        >
          Undo
        </button>
      )}
      <button type="button" className="quiet" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </li>
  );
}

/** The toasts, in a polite live region so a screen reader announces each write's outcome. */
export function Toasts({ toasts, dismiss }: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <section className="toasts" aria-live="polite" aria-label="Notifications">
      <ul>
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} dismiss={dismiss} />
        ))}
      </ul>
    </section>
  );
}
