// What a plan does to live connections, from each director's impact (lib/ipvs/impact.ts, counted
// from its newest stats): "connection-safe", or each op that cuts connections with its count, and
// the checkbox a commit that cuts live connections needs (the API refuses it without
// confirmConnectionCuts). Rendered beside Apply.
import type { PlanPreview } from '@/lib/api/schemas';
import { plannedCuts } from '@/lib/ipvs/impact';

export function ImpactPreview({ plan, confirmed, onConfirm }: { plan: PlanPreview; confirmed: boolean; onConfirm: (v: boolean) => void }) {
  const { rows, known, unknown } = plannedCuts(plan.directors);
  if (rows.length === 0) {
    return (
      <p className="small" data-testid="impact-safe">
        Connection-safe: no op removes a real server or a service, so every established connection keeps flowing.
      </p>
    );
  }
  return (
    <div className={`notice ${known > 0 ? 'bad' : 'warn'}`} data-testid="impact-cuts">
      <strong>{known > 0 ? `Cuts ${known} live connection${known === 1 ? '' : 's'}` : unknown ? 'May cut live connections' : 'Removes servers with no live connections'}</strong>
      <ul className="small" style={{ margin: '6px 0' }}>
        {rows.map((r, k) => (
          <li key={k} data-testid="impact-cut">
            <span className="mono">{r.director}</span>: <code>{r.command}</code> —{' '}
            {r.connections === null ? 'count unknown (no fresh stats)' : `${r.connections} connection${r.connections === 1 ? '' : 's'}`}
          </li>
        ))}
      </ul>
      {known > 0 ? (
        <label className="check">
          <input type="checkbox" checked={confirmed} onChange={(e) => onConfirm(e.target.checked)} data-testid="confirm-cuts" />I understand this cuts {known} live connection{known === 1 ? '' : 's'}{' '}
          (drain first to avoid it)
        </label>
      ) : null}
    </div>
  );
}
