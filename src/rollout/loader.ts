// Loads rollout files (rollouts/*.ts) and validates them like scenarios: every problem at once, as
// `file: path: message`, and the services they name checked against the config.
import { existsSync, statSync } from "node:fs";
import { targetsView } from "../env/reference-targets.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { type Problem, problemsFromZod, ValidationError } from "../scenario/errors.ts";
import { importDefault } from "../scenario/loader.ts";
import { type Rollout, rolloutSchema } from "./schema.ts";

export interface LoadedRollout {
  file: string;
  rollout: Rollout;
}

/** Every problem of a rollout value: the schema, then the config's services, probes and load target. */
export function checkRollout(value: unknown, file: string, config?: GamedayConfig): Problem[] {
  let parsed: ReturnType<typeof rolloutSchema.safeParse>;
  try {
    parsed = rolloutSchema.safeParse(value);
  } catch (err) {
    return [{ file, path: "", message: `cannot be read as a rollout: ${(err as Error).message}` }];
  }
  if (!parsed.success) return problemsFromZod(file, parsed.error);
  return config ? configProblems(parsed.data, targetsView(config), file) : [];
}

function configProblems(r: Rollout, config: GamedayConfig, file: string): Problem[] {
  const problems: Problem[] = [];
  const services = config.services.map((s) => s.name);
  const known = (names: string[]) => (names.length ? names.join(", ") : "none in the config");
  const needService = (name: string, path: string) => {
    if (!services.includes(name))
      problems.push({ file, path, message: `unknown service "${name}" (known: ${known(services)})` });
  };
  needService(r.flag.service, "flag.service");
  const probes = config.probes.map((p) => p.name);
  const criteria = [
    ...r.phases.flatMap((p, i) => p.gate.map((c, j) => ({ c, path: `phases.${i}.gate.${j}` }))),
    ...r.pause.map((c, j) => ({ c, path: `pause.${j}` })),
    ...r.rollback.map((c, j) => ({ c, path: `rollback.${j}` })),
  ];
  for (const { c, path } of criteria) {
    if (c.probe !== undefined && !probes.includes(c.probe))
      problems.push({
        file,
        path: `${path}.probe`,
        message: `unknown probe "${c.probe}" (known: ${known(probes)})`,
      });
    if (c.promql !== undefined && !config.prometheus)
      problems.push({ file, path: `${path}.promql`, message: "the config has no prometheus to query" });
    if (c.alert !== undefined && !config.alertmanager)
      problems.push({ file, path: `${path}.alert`, message: "the config has no alertmanager to ask" });
  }
  for (const kind of ["pause", "rollback"] as const)
    r.runbooks[kind].forEach((step, i) => {
      step.actions.forEach((a, j) => {
        if (a.kind === "http" || a.kind === "smoke")
          needService(a.target, `runbooks.${kind}.${i}.actions.${j}.target`);
      });
    });
  if (r.load) {
    const targets = [...services, ...config.proxies.map((p) => p.name)];
    if (!targets.includes(r.load.target))
      problems.push({
        file,
        path: "load.target",
        message: `unknown service or proxy "${r.load.target}" (known: ${known(targets)})`,
      });
  }
  return problems;
}

/** Loads and validates one rollout file; a bad one is a ValidationError (exit 2) listing every problem. */
export async function loadRollout(file: string, config?: GamedayConfig): Promise<LoadedRollout> {
  if (!existsSync(file) || !statSync(file).isFile())
    throw new ValidationError([{ file, path: "", message: "no such rollout file" }]);
  const value = await importDefault(file, "export default defineRollout({...})");
  const problems = checkRollout(value, file, config);
  if (problems.length) throw new ValidationError(problems);
  return { file, rollout: rolloutSchema.parse(value) };
}
