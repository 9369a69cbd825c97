'use client';
// The MISC_CHECK scripts that directors reported not having (their agents list the executables of
// their --checks-dir): those checks fail there until the script is installed.
import { missingCheckScripts, missingScriptText, type MissingScript } from '@/lib/ipvs/check-scripts';
import type { VirtualService } from '@/lib/ipvs/model';

export function MissingScriptsNotice({ missing }: { missing: readonly MissingScript[] }) {
  if (!missing.length) return null;
  return (
    <div className="notice warn" role="status" data-testid="missing-scripts">
      <strong>Check scripts missing on directors:</strong>
      <ul>
        {missing.map((m) => (
          <li key={`${m.service}#${m.server ?? ''}:${m.script}`}>{missingScriptText(m)}</li>
        ))}
      </ul>
    </div>
  );
}

/** The notice for one service, from the directors' reported facts. */
export function ServiceMissingScripts({ service, directors }: { service: VirtualService; directors: readonly { name: string; revoked: boolean; facts: { checkScripts?: string[] } | null }[] }) {
  const missing = missingCheckScripts(
    { services: [service] },
    directors.filter((d) => !d.revoked).map((d) => ({ name: d.name, scripts: d.facts?.checkScripts })),
  );
  return <MissingScriptsNotice missing={missing} />;
}
