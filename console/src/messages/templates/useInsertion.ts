// Where a palette's shortcode goes: into the part the marketer last clicked or typed in,
// at its cursor (replacing a selection), with the focus and caret back in that part after.
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { insertAt } from "../cursor";

type Editable = HTMLInputElement | HTMLTextAreaElement;

export type Insertion = {
  /** The ref callback that lets a part receive insertions under `key`. */
  register: (key: string) => (element: Editable | null) => void;
  /** Call from the part's onFocus: insertions go there from now on. */
  focused: (key: string) => void;
  /** The part insertions go to (the last focused, else `fallback`). */
  target: string;
  insert: (snippet: string) => void;
};

export function useInsertion(fallback: string, write: (key: string, value: string) => void): Insertion {
  const elements = useRef(new Map<string, Editable>());
  const [focusedKey, setFocusedKey] = useState<string | null>(null);
  const pending = useRef<{ key: string; caret: number } | null>(null);
  const target = focusedKey && elements.current.has(focusedKey) ? focusedKey : fallback;

  // After the new value is rendered, put the focus and the caret back where they belong.
  useLayoutEffect(() => {
    const wanted = pending.current;
    if (!wanted) return;
    pending.current = null;
    const element = elements.current.get(wanted.key);
    if (!element) return;
    element.focus();
    element.setSelectionRange(wanted.caret, wanted.caret);
  });

  const register = useCallback(
    (key: string) => (element: Editable | null) => {
      if (element) elements.current.set(key, element);
      else elements.current.delete(key);
    },
    [],
  );

  const insert = useCallback(
    (snippet: string) => {
      const element = elements.current.get(target);
      if (!element) return;
      // A part never clicked in has no cursor of the marketer's: the shortcode goes at its end.
      const end = element.value.length;
      const placed = focusedKey === target;
      const inserted = insertAt(
        element.value,
        placed ? (element.selectionStart ?? end) : end,
        placed ? (element.selectionEnd ?? end) : end,
        snippet,
      );
      pending.current = { key: target, caret: inserted.caret };
      setFocusedKey(target);
      write(target, inserted.value);
    },
    [focusedKey, target, write],
  );

  return { register, focused: setFocusedKey, target, insert };
}
