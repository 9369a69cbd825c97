// What every section of the service editor gets: the form, one way to change it, and the issues
// to show at a field (only once the admin has touched it or submitted). A section is a component
// `(p: SectionProps) => JSX`; ServiceEditor lists them in order, so a new one drops in there.
import type { ServiceForm } from './form';

export type FieldErrors = {
  /** the messages to show at `path` ("persistence.timeout", "realServers.0.weight"), if any */
  (path: string): string[] | undefined;
  /** every shown issue at or under `prefix` ("schedFlags" → schedFlags, schedFlags.0, …) */
  under: (prefix: string) => [string, string[]][];
};

export type SectionProps = {
  form: ServiceForm;
  update: (next: (form: ServiceForm) => ServiceForm) => void;
  errs: FieldErrors;
  /** an onBlur handler that marks `path` as touched */
  touch: (path: string) => () => void;
  readOnly: boolean;
};

/** `set(key, value)`: the change of one top-level form field, as a section makes it. */
export const formSetter =
  (update: SectionProps['update']) =>
  <K extends keyof ServiceForm>(k: K, v: ServiceForm[K]) =>
    update((x) => ({ ...x, [k]: v }));
