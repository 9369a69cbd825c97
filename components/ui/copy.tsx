'use client';
import { useState } from 'react';

/** Copies text to the clipboard; says so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // no clipboard permission (http, old browser): select-and-copy fallback
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" className="btn small" onClick={copy} aria-live="polite">
      {done ? 'Copied' : label}
    </button>
  );
}

/** A secret shown once, in full, with a button that copies it. */
export function SecretLine({ secret, testId }: { secret: string; testId: string }) {
  return (
    <div className="row">
      <code className="grow" style={{ padding: '6px 8px', background: 'var(--bg-sunken)', border: '1px solid var(--border)', borderRadius: 6, overflowWrap: 'anywhere' }} data-testid={testId}>
        {secret}
      </code>
      <CopyButton text={secret} />
    </div>
  );
}
