'use client';
// The submit of a form whose action may be refused: the error it threw stays beside the form
// (FormActions, the fields' issues) until the next try or until the caller clears it.
import { useState, type FormEvent } from 'react';

export function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    }
  };
  return { error, setError, submit };
}
