// Signing refused because of what it was given (a key file, a key name, a folder's existing
// signatures), as opposed to a failing disk: the CLI reports these as invalid input (exit 2).
export class SignInputError extends Error {
  override name = "SignInputError";
}
