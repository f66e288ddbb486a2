// DSSE (Dead Simple Signing Envelope) v1: the signature covers PAE(payloadType, payload), never the
// JSON around it, so the envelope's formatting cannot change what was signed.
import { type KeyObject, sign, verify } from "node:crypto";
import { z } from "zod";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface Signature {
  keyid: string;
  sig: string;
}

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: Signature[];
}

/** Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes, decimal. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

export function signEnvelope(payloadType: string, body: Uint8Array, key: KeyObject, keyid: string): Envelope {
  const sig = sign(null, pae(payloadType, body), key);
  return {
    payloadType,
    payload: Buffer.from(body).toString("base64"),
    signatures: [{ keyid, sig: sig.toString("base64") }],
  };
}

export function verifySignature(env: Envelope, sig: Signature, key: KeyObject): boolean {
  return verify(
    null,
    pae(env.payloadType, Buffer.from(env.payload, "base64")),
    key,
    Buffer.from(sig.sig, "base64"),
  );
}

// Strict base64 (no whitespace, correct padding): Buffer.from(…, "base64") would silently skip junk.
const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, "not canonical base64");

export const envelopeSchema = z.strictObject({
  payloadType: z.string().min(1),
  payload: base64,
  signatures: z
    .array(
      z.strictObject({
        keyid: z.string().regex(/^[0-9a-f]{64}$/, "keyid must be 64 lowercase hex digits"),
        sig: base64,
      }),
    )
    .min(1, "no signatures"),
});
