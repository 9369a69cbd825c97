'use client';
// A render error in one page keeps the header and offers a retry instead of a blank screen.
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="page">
      <div className="notice bad" role="alert">
        <strong>This page failed to render:</strong> {error.message}
        {error.digest ? <span className="faint small"> (digest {error.digest})</span> : null}
        <div style={{ marginTop: 8 }}>
          <button type="button" className="btn small" onClick={reset}>
            Try again
          </button>
        </div>
      </div>
    </div>
  );
}
