// Signing: Ed25519 keys, DSSE envelopes over in-toto statements, one signature per role.
export { keygen, keyidOf, loadTrustDir, TRUSTED_SUBDIR, type KeyPairFiles } from "./keys.ts";
export {
  pae,
  signEnvelope,
  verifySignature,
  IN_TOTO_PAYLOAD_TYPE,
  type Envelope,
  type Signature,
} from "./dsse.ts";
export { ROLES, STATEMENT_TYPE, type Role, type Statement, type Subject } from "./statement.ts";
export {
  signFolder,
  verifyFolder,
  attestedFiles,
  ATTESTATION_FILE,
  BUNDLE_MEDIA_TYPE,
  type Bundle,
  type SignFolderOptions,
  type SignOutcome,
  type VerifyOptions,
  type VerifyOutcome,
} from "./attestation.ts";
export { signRun, verifyRun, REPORT_PREDICATE_TYPE } from "./run.ts";
export { SignInputError } from "./errors.ts";
