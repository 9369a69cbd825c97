// Two rules texts side by side as one unified listing: - removed, + added, with line numbers.
import { useMemo, useState } from 'react';
import { diffLines, withContext } from './lines';
import styles from './diff.module.css';

export function RulesDiff({ before, after, beforeLabel = 'before', afterLabel = 'after' }: { before: string; after: string; beforeLabel?: string; afterLabel?: string }) {
  const [full, setFull] = useState(false);
  const lines = useMemo(() => diffLines(before, after), [before, after]);
  const shown = useMemo(() => (full ? lines : withContext(lines, 2)), [lines, full]);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <div className={styles.wrap} data-testid="rules-diff">
      <div className={styles.head}>
        <span className="mono small">
          <span className={styles.delText}>--- {beforeLabel}</span> <span className={styles.addText}>+++ {afterLabel}</span>
        </span>
        <span className="small muted">
          <span className={styles.addText}>+{added}</span> <span className={styles.delText}>−{removed}</span>
        </span>
        <span className="grow" />
        <label className="check small">
          <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} /> whole file
        </label>
      </div>
      {added + removed === 0 ? (
        <div className={styles.same}>The rules text is identical.</div>
      ) : (
        <pre className={styles.code}>
          {shown.map((l, i) =>
            l.kind === 'skip' ? (
              <div key={i} className={styles.skip}>
                ⋯ {l.count} unchanged line{l.count === 1 ? '' : 's'}
              </div>
            ) : (
              <div key={i} className={l.kind === 'add' ? styles.add : l.kind === 'del' ? styles.del : undefined}>
                <span className={styles.ln}>{l.a ?? ''}</span>
                <span className={styles.ln}>{l.b ?? ''}</span>
                <span className={styles.sign}>{l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}</span>
                {l.text}
              </div>
            ),
          )}
        </pre>
      )}
    </div>
  );
}
