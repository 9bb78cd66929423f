// One form's mutation: the problems found before sending (named like the API's userErrors),
// the userErrors of the answer, the refusal of the request, and whether it was saved.
import { useCallback, useState } from "react";
import { useMutation, type AnyVariables, type CombinedError, type TypedDocumentNode } from "urql";
import type { UserError } from "../ui/forms";

type Payload = { userErrors: readonly UserError[] };

export type Save<Data, Variables> = {
  errors: readonly UserError[];
  requestError: CombinedError | undefined;
  saving: boolean;
  /** The payload of the latest answer without userErrors (cleared by the next save). */
  saved: Data | null;
  /** Sends unless `problems` holds some (then shows them); resolves to the payload's data
   * when it carried no userErrors. */
  save: (variables: Variables, problems?: readonly UserError[]) => Promise<Data | null>;
  reset: () => void;
};

export function useSave<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  payload: (data: Data) => Payload,
): Save<Data, Variables> {
  const [state, execute] = useMutation<Data, Variables>(document);
  const [local, setLocal] = useState<readonly UserError[]>([]);
  const [saved, setSaved] = useState<Data | null>(null);
  const [answered, setAnswered] = useState(false);

  const save = useCallback(
    async (variables: Variables, problems: readonly UserError[] = []) => {
      setSaved(null);
      setLocal(problems);
      if (problems.length) {
        setAnswered(false);
        return null;
      }
      const result = await execute(variables);
      setAnswered(true);
      if (result.error || !result.data) return null;
      if (payload(result.data).userErrors.length) return null;
      setSaved(result.data);
      return result.data;
    },
    [execute, payload],
  );
  const reset = useCallback(() => {
    setLocal([]);
    setSaved(null);
    setAnswered(false);
  }, []);

  const server = answered && state.data ? payload(state.data).userErrors : [];
  return {
    errors: local.length ? local : server,
    requestError: answered ? state.error : undefined,
    saving: state.fetching,
    saved,
    save,
    reset,
  };
}

/** A key for a create form: kept while the same form is retried, new after a success. */
export function newKey(): string {
  return crypto.randomUUID();
}
