// gameday init's decisions without the CLI: the URL it accepts, .ts or .mts, the .gitignore entry.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.ts";
import { moduleChoice } from "../../src/init/module-type.ts";
import { planScaffold, serviceUrl, writeScaffold } from "../../src/init/scaffold.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

describe("serviceUrl", () => {
  it.each([
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1"],
    ["http://127.0.0.1:8080/", "http://127.0.0.1:8080", "127.0.0.1"],
    ["https://API.example.com/v1//", "https://api.example.com/v1", "api.example.com"],
    ["http://[::1]:9000", "http://[::1]:9000", "::1"],
  ])("%s → %s (host %s)", (raw, url, host) => {
    expect(serviceUrl(raw)).toEqual({ url, host });
  });

  it.each(["127.0.0.1:8080", "file:///etc/passwd", "http://a:b@h/", "http://h/#x"])("rejects %s", (raw) => {
    expect(() => serviceUrl(raw)).toThrow(UsageError);
  });
});

describe("moduleChoice", () => {
  it("follows the nearest package.json up the tree", () => {
    const dir = dirs.make("init-module-");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    mkdirSync(join(dir, "a/b"), { recursive: true });
    expect(moduleChoice(join(dir, "a/b"))).toEqual({ ext: ".ts", packageJson: join(dir, "package.json") });
    writeFileSync(join(dir, "a/package.json"), JSON.stringify({ type: "commonjs" }));
    const inner = moduleChoice(join(dir, "a/b"));
    expect(inner.ext).toBe(".mts");
    expect(inner.packageJson).toBe(join(dir, "a/package.json"));
    writeFileSync(join(dir, "a/package.json"), "{ not json");
    expect(moduleChoice(join(dir, "a/b")).reason).toContain('has no "type"');
  });
});

describe("writeScaffold", () => {
  it.each(["reports", "/reports/", "reports/"])(".gitignore already listing %s is left alone", (line) => {
    const dir = dirs.make("init-ignore-");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, ".gitignore"), `dist\r\n${line}\r\n`);
    const result = writeScaffold(planScaffold({ dir, url: "http://127.0.0.1:1" }));
    expect(result.gitignore).toBe("present");
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(`dist\r\n${line}\r\n`);
  });

  it("checks everything before the first write", () => {
    const dir = dirs.make("init-atomic-");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    mkdirSync(join(dir, "scenarios"));
    writeFileSync(join(dir, "scenarios/example.mjs"), "export default {};\n");
    expect(() => writeScaffold(planScaffold({ dir, url: "http://127.0.0.1:1" }), true)).toThrow(
      /scenarios\/example\.mjs exists; init would write scenarios\/example\.ts next to it/,
    );
    expect(readdirSync(dir).sort()).toEqual(["package.json", "scenarios"]);
    expect(readdirSync(join(dir, "scenarios"))).toEqual(["example.mjs"]);
  });
});
