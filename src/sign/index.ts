// Signing: Ed25519 keys, DSSE envelopes over in-toto statements, one signature per role, kept in
// an in-toto attestation bundle (intoto.jsonl).
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
  attestationFileIn,
  type SignFolderOptions,
  type SignOutcome,
  type VerifyOptions,
  type VerifyOutcome,
} from "./attestation.ts";
export { INTOTO_BUNDLE_FILE, INTOTO_BUNDLE_MEDIA_TYPE } from "./bundle.ts";
export { LEGACY_ATTESTATION_FILE, LEGACY_BUNDLE_MEDIA_TYPE, LEGACY_READ_NOTICE } from "./legacy-bundle.ts";
export { signRun, verifyRun, REPORT_PREDICATE_TYPE } from "./run.ts";
export { SignInputError } from "./errors.ts";
