// What a person pastes: listings whose trailing blanks were stripped on the way (ipvsadm pads
// some title rows and service lines) parse exactly as the originals.
import { describe, expect, it } from 'vitest';
import { fixture } from '../__fixtures__/load';
import { listingCannotCarry, parseList } from './list';
import { parsePersistentConn } from './thresholds';

const stripped = (t: string) => t.replace(/[ \t]+$/gm, '');

describe('pasted listings', () => {
  for (const name of ['014_list', '020_list_one_service', '022_list_sort', '028_long_options', '031_list_after_E', '033_list_after_e', '093_list_after_deletes']) {
    it(`${name} without its trailing blanks`, () => {
      const text = fixture(name).stdout;
      expect(text).toMatch(/ $/m); // the original has them
      expect(parseList(stripped(text))).toEqual(parseList(text));
    });
  }

  it('019 --persistent-conn (a padded title row) without its trailing blanks', () => {
    const text = fixture('019_list_persistent_conn').stdout;
    expect(parsePersistentConn(stripped(text))).toEqual(parsePersistentConn(text));
  });

  it('an -Ln listing as an import says what it cannot carry', () => {
    const r = parseList(fixture('093_list_after_deletes').stdout);
    expect(listingCannotCarry(r).join('\n')).toMatch(/thresholds .* imported as 0/);
  });
});
