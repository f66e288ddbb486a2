// Invalid input is reported as `<file>: <path.to.field>: <message>`, every problem at once.
import type { z } from "zod";

export interface Problem {
  file: string;
  path: string;
  message: string;
}

export class ValidationError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ValidationError";
    this.problems = problems;
  }
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.file}: ${p.path}: ${p.message}` : `${p.file}: ${p.message}`;
}

export function problemsFromZod(
  file: string,
  error: z.ZodError,
  prefix: Array<string | number> = [],
): Problem[] {
  return error.issues.map((issue) => ({
    file,
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
  }));
}
