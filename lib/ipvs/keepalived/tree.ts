// The keyword tree of a preprocessed keepalived.conf: a statement followed by `{` (on its line or
// any later one) owns the statements up to the matching `}`. Keywords are case-sensitive, as
// keepalived compares them with strcmp.
import { words, type KeepalivedIssue, type SourceLine } from './preprocess';

export interface Node {
  key: string;
  args: string[];
  file: string;
  line: number;
  children?: Node[];
}

export function buildTree(lines: readonly SourceLine[], issues: KeepalivedIssue[]): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; owner: Node | null }[] = [{ nodes: root, owner: null }];
  let last: Node | null = null;
  for (const l of lines) {
    const top = stack[stack.length - 1]!;
    if (l.text === '{') {
      if (!last || last.children) issues.push({ file: l.file, line: l.line, path: 'syntax', message: 'a "{" without a keyword before it' });
      else {
        last.children = [];
        stack.push({ nodes: last.children, owner: last });
      }
      last = null;
      continue;
    }
    if (l.text === '}') {
      if (stack.length === 1) issues.push({ file: l.file, line: l.line, path: 'syntax', message: 'extra "}" (no block is open)' });
      else stack.pop();
      last = null;
      continue;
    }
    const w = words(l.text);
    if (w.error) issues.push({ file: l.file, line: l.line, path: 'syntax', message: w.error });
    if (w.words.length === 0) continue;
    last = { key: w.words[0]!, args: w.words.slice(1), file: l.file, line: l.line };
    top.nodes.push(last);
  }
  for (const s of stack.slice(1)) issues.push({ file: s.owner!.file, line: s.owner!.line, path: s.owner!.key, message: `the "${s.owner!.key}" block opened here is not closed (a "}" is missing)` });
  return root;
}
