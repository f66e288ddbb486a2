import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Scenario files import "gameday"; inside the repo that is the package itself.
    alias: { gameday: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real processes on loopback; two cores do not like many at once.
    maxWorkers: 2,
  },
});
