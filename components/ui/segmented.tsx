// A segmented control: one pressed button of a few (a chart's range, metric, unit; a format).
import type { ReactNode } from 'react';

export function Segmented<T extends string | boolean>({ label, options, value, onChange }: { label: string; options: readonly (readonly [T, ReactNode])[]; value: T; onChange: (v: T) => void }) {
  return (
    <div className="seg" role="group" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={String(v)} type="button" aria-pressed={value === v} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}
