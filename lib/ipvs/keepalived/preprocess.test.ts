import { describe, expect, it } from 'vitest';
import { decomment, mapSource, preprocess, splitBraces, words } from './preprocess';
import { globMatch, resolvePath } from './paths';

const run = (text: string, opts = {}, extra: Record<string, string> = {}) => {
  const src = mapSource({ 'keepalived.conf': text, ...extra });
  return preprocess(src.resolve('keepalived.conf'), src, opts);
};
const texts = (text: string, opts = {}) => run(text, opts).lines.map((l) => l.text);

describe('keepalived config language', () => {
  it('comments: ! and # outside quotes; \\! and \\# are literal', () => {
    expect(decomment('  weight 1 # c').text).toBe('weight 1');
    expect(decomment('path "/a#b" ! c').text).toBe('path "/a#b"');
    expect(decomment('path /a\\#b').text).toBe('path /a#b');
    expect(decomment('$X=a \\').cont).toBe(true);
  });

  it('braces stand alone wherever they are; quotes keep theirs', () => {
    expect(splitBraces('url { path / }')).toEqual(['url', '{', 'path /', '}']);
    expect(splitBraces('x "{a}" {')).toEqual(['x "{a}"', '{']);
    expect(words('helo_name "foo bar" x').words).toEqual(['helo_name', 'foo bar', 'x']);
    expect(words('a "b').error).toMatch(/unmatched quote/);
  });

  it('definitions: $NAME and ${NAME}; undefined names stay; a multi-line value ends at a line without \\ or at a blank line', () => {
    expect(texts('$A=1\n$B=x${A}y\nk $A ${B} $C $Ab\n')).toEqual(['k 1 x1y $C $Ab']);
    expect(texts('$M=a 1 \\\n  b 2 \\\n  c 3\nblock {\n$M\n}\n')).toEqual(['block', '{', 'a 1', 'b 2', 'c 3', '}']);
    expect(texts('$M=a 1 \\\n\nnext\n$M\n')).toEqual(['next', 'a 1']);
    // a multi-line definition is expanded only where it ends the line
    expect(texts('$M=a \\\n b\nx $M y\n')).toEqual(['x $M y']);
  });

  it('--define, $_INSTANCE and $_PWD; $_RANDOM is refused with its line', () => {
    expect(texts('k $X $_INSTANCE $_PWD\n', { defines: { X: '7' }, configId: 'lb2' })).toEqual(['k 7 lb2 /etc/keepalived']);
    expect(run('\nk ${_RANDOM 1 9}\n').issues).toEqual([expect.objectContaining({ file: 'keepalived.conf', line: 2, path: '$_RANDOM' })]);
  });

  it('a definition that refers to itself is an error, not a hang', () => {
    expect(run('$A=$A x\nk $A\n').issues[0]).toMatchObject({ line: 2, path: 'substitution' });
  });

  it('@id and @^id lines, also when produced by a substitution', () => {
    expect(texts('@a x 1\n@^a y 2\n@b z 3\n', { configId: 'a' })).toEqual(['x 1']);
    expect(texts('@a x 1\n@^a y 2\n')).toEqual(['y 2']);
    expect(texts('$P=@a\n$P k 1\n', { configId: 'a' })).toEqual(['k 1']);
  });

  it('~SEQ forms: (v, end), (v, start, end), (v, start, step, end), hex, descending, nested', () => {
    expect(texts('~SEQ(i, 3) a $i\n')).toEqual(['a 1', 'a 2', 'a 3']);
    expect(texts('~SEQ(i, 5, 3) a $i\n')).toEqual(['a 5', 'a 4', 'a 3']);
    expect(texts('~SEQ(i, 0, 5, 10) a $i\n')).toEqual(['a 0', 'a 5', 'a 10']);
    expect(texts('~SEQx(i, 9, 11) a $i\n')).toEqual(['a 9', 'a a', 'a b']);
    expect(texts('~SEQ(i, 2) ~SEQ(j, 2) p ${i}${j}\n')).toEqual(['p 11', 'p 12', 'p 21', 'p 22']);
    // as in keepalived, $NAME must end at a blank, "," or ")": $i$j is not two substitutions
    expect(texts('~SEQ(i, 1) ~SEQ(j, 1) p $i$j\n')).toEqual(['p $i1']);
    expect(run('~SEQ(i, 1, -1, 3) a\n').issues[0]).toMatchObject({ line: 1, path: '~SEQ' });
  });

  it('include: relative to the including file, globs with braces, no leading-dot matches, sorted', () => {
    expect(resolvePath('/etc/keepalived/conf.d', '../x/./y.conf')).toBe('/etc/keepalived/x/y.conf');
    expect(globMatch('/d/{a,b*}.conf', ['/d/a.conf', '/d/b2.conf', '/d/.b.conf', '/d/c.conf'])).toEqual(['/d/a.conf', '/d/b2.conf']);
    const r = run('include conf.d/*.conf\nk 0\n', {}, { 'conf.d/b.conf': 'k 2\n', 'conf.d/a.conf': 'include ../x.inc\n', 'x.inc': 'k 1\n' });
    expect(r.lines.map((l) => `${l.file}:${l.line} ${l.text}`)).toEqual(['x.inc:1 k 1', 'conf.d/b.conf:1 k 2', 'keepalived.conf:2 k 0']);
    expect(r.files).toEqual(['keepalived.conf', 'conf.d/a.conf', 'x.inc', 'conf.d/b.conf']);
  });

  it('definitions carry into included files, and lines keep their own file and line', () => {
    const r = run('$V=9\ninclude a.conf\n', {}, { 'a.conf': '\n\nk $V\n' });
    expect(r.lines).toEqual([{ file: 'a.conf', line: 3, text: 'k 9' }]);
  });
});
