// Shell command lines as the console shows them: one a line, each after a root prompt.
export function CommandLines({ lines }: { lines: readonly string[] }) {
  return (
    <pre className="cmd">
      {lines.map((c, i) => (
        <div key={i}>
          <span className="prompt"># </span>
          {c}
        </div>
      ))}
    </pre>
  );
}
