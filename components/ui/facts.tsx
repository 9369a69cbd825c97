// A label / value grid (a <dl>): a director's or service's facts, a read-only view of settings.
import type { ReactNode } from 'react';

export type Fact = readonly [label: string, value: ReactNode];

/** `compact`: small text and tighter gaps, for a card beside others; `labelWidth` in px. */
export function FactList({ facts, labelWidth, compact = false }: { facts: readonly Fact[]; labelWidth: number; compact?: boolean }) {
  return (
    <dl style={{ display: 'grid', gridTemplateColumns: `${labelWidth}px 1fr`, gap: compact ? '5px 12px' : '6px 16px', margin: 0 }} className={compact ? 'small' : undefined}>
      {facts.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt className={compact ? 'muted' : 'muted small'}>{k}</dt>
          <dd style={{ margin: 0 }}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
