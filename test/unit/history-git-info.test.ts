// Which commit and branch a run records: from git in a checkout, from the CI system's variables
// where the checkout is detached or git refuses, and nothing outside both.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitInfo } from "../../src/history/git-info.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

function repo(): { dir: string; sha: string } {
  const dir = temp.make("gameday-git-");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd: dir })
      .toString()
      .trim();
  git("init", "-q", "-b", "release-1");
  writeFileSync(join(dir, "f"), "x");
  git("add", "f");
  git("commit", "-q", "-m", "one");
  return { dir, sha: git("rev-parse", "HEAD") };
}

describe("gitInfo", () => {
  it("reads the commit and branch of a checkout", () => {
    const { dir, sha } = repo();
    expect(gitInfo(dir, {})).toEqual({ commit: sha, branch: "release-1" });
  });

  it("takes the branch from the CI's variables first (a pull request's head branch)", () => {
    const { dir, sha } = repo();
    expect(gitInfo(dir, { GITHUB_HEAD_REF: "feature/x", GITHUB_REF_NAME: "12/merge" })).toEqual({
      commit: sha,
      branch: "feature/x",
    });
    expect(gitInfo(dir, { GAMEDAY_BRANCH: "mine", CI_COMMIT_REF_NAME: "main" }).branch).toBe("mine");
  });

  it("has no branch on a detached HEAD without CI variables", () => {
    const { dir, sha } = repo();
    execFileSync("git", ["checkout", "-q", "--detach"], { cwd: dir });
    expect(gitInfo(dir, {})).toEqual({ commit: sha, branch: null });
  });

  it("falls back to the CI's commit variable where git gives nothing, and is empty outside both", () => {
    const outside = temp.make("gameday-nogit-");
    expect(gitInfo(outside, { GITHUB_SHA: "abc123", GITHUB_REF_NAME: "main" })).toEqual({
      commit: "abc123",
      branch: "main",
    });
    expect(gitInfo(outside, {})).toEqual({ commit: null, branch: null });
  });
});
