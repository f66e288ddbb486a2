// Which commit and branch a run tested, so a pull request can be compared with `branch:main`.
// CI checkouts are often detached: the branch then comes from the CI system's variables.
import { execFileSync } from "node:child_process";

export interface GitInfo {
  commit: string | null;
  branch: string | null;
}

const BRANCH_VARIABLES = [
  "GAMEDAY_BRANCH",
  "GITHUB_HEAD_REF",
  "GITHUB_REF_NAME",
  "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
  "CI_COMMIT_REF_NAME",
  "BRANCH_NAME",
];

function git(args: string[], cwd: string): string | null {
  try {
    const out = execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], timeout: 5_000 });
    return out.toString().trim() || null;
  } catch {
    return null;
  }
}

/** Null fields outside a git checkout (or without git). */
export function gitInfo(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): GitInfo {
  // CI containers may refuse git on a checkout owned by another user ("dubious ownership"): the
  // CI system's own variables then still name the commit.
  const commit = env.GAMEDAY_COMMIT || git(["rev-parse", "HEAD"], cwd) || env.GITHUB_SHA || env.CI_COMMIT_SHA;
  const fromEnv = BRANCH_VARIABLES.map((v) => env[v]).find((v) => v);
  let branch = fromEnv || git(["rev-parse", "--abbrev-ref", "HEAD"], cwd);
  if (branch === "HEAD") branch = null;
  return { commit: commit ?? null, branch: branch ?? null };
}
