import { useMutation } from "urql";
import { LogoutDocument } from "../generated/graphql";
import { useSession } from "./session";

/** Revokes the session on the server, then forgets it here, whatever the server answered. */
export function SignOutButton() {
  const { signOut } = useSession();
  const [result, logout] = useMutation(LogoutDocument);
  return (
    <button
      type="button"
      className="secondary"
      disabled={result.fetching}
      onClick={async () => {
        await logout({});
        signOut("You have signed out.");
      }}
    >
      Sign out
    </button>
  );
}
