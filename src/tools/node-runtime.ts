// The Node gameday needs: one that strips TypeScript types (scenario and config files are .ts).
// Keep in step with package.json's engines.node (a unit test compares them).
export const NODE_MINIMUM = "22.18";

/** Whether `version` ("v24.1.0" or "24.1.0") is at least NODE_MINIMUM. */
export function nodeSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const [wantMajor = 0, wantMinor = 0] = NODE_MINIMUM.split(".").map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}
