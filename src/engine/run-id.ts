import { randomBytes } from "node:crypto";

/** Sortable run id: UTC time to the second plus 4 random hex chars, e.g. 20261123T074512Z-3fa1. */
export function newRunId(now: Date = new Date()): string {
  const iso = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${iso}-${randomBytes(2).toString("hex")}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;
