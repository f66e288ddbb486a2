// A folder where `gameday run tiny.ts` runs in a moment: a config with the external provider
// (nothing to start; the alert receiver on a free port) and a scenario without load or faults.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../src/env/process.ts";

export async function tinyRunFolder(
  dir: string,
  o: { duration?: string; configExtra?: string } = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "gameday.config.ts"),
    `import { defineConfig } from "gameday";
export default defineConfig({ provider: "external", receiver: { listen: "127.0.0.1:${await freePort()}" }${o.configExtra ?? ""} });
`,
  );
  writeFileSync(
    join(dir, "tiny.ts"),
    `import { defineScenario } from "gameday";
export default defineScenario({ id: "tiny", title: "Tiny", owner: "SRE", hypothesis: "nothing happens", duration: "${o.duration ?? "300ms"}" });
`,
  );
  return dir;
}
