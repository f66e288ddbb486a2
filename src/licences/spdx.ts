// SPDX licence expressions (`MIT OR Apache-2.0`, `(MIT AND BSD-3-Clause)`,
// `Apache-2.0 WITH LLVM-exception`): a parser and the verdict under policy.ts. OR passes when either
// side passes, AND when both do; WITH needs an allowed licence and a known exception. Precedence is
// SPDX's: WITH binds tightest, then AND, then OR.
import { ALLOWED_LICENCES, DATA_ONLY_LICENCES, forbiddenFamily, KNOWN_EXCEPTIONS } from "./policy.ts";

export type SpdxExpression =
  | { kind: "licence"; id: string; orLater: boolean; exception?: string }
  | { kind: "and" | "or"; left: SpdxExpression; right: SpdxExpression };

export class SpdxSyntaxError extends Error {
  override name = "SpdxSyntaxError";
}

const ID = /^[A-Za-z0-9][A-Za-z0-9.:-]*\+?$/;

function tokenize(text: string): string[] {
  return text
    .replace(/[()]/g, " $& ")
    .split(/\s+/)
    .filter((t) => t !== "");
}

function operator(token: string | undefined): "AND" | "OR" | "WITH" | undefined {
  if (token === undefined) return undefined;
  const upper = token.toUpperCase();
  // SPDX operators are all upper or all lower case; "And" is a malformed expression.
  if (
    (upper === "AND" || upper === "OR" || upper === "WITH") &&
    (token === upper || token === token.toLowerCase())
  )
    return upper;
  return undefined;
}

export function parseSpdx(text: string): SpdxExpression {
  const tokens = tokenize(text);
  let at = 0;
  const fail = (what: string): never => {
    throw new SpdxSyntaxError(`${what} in SPDX expression ${JSON.stringify(text)}`);
  };

  const primary = (): SpdxExpression => {
    const token = tokens[at];
    if (token === undefined) return fail("unexpected end");
    if (token === "(") {
      at++;
      const inner = orExpr();
      if (tokens[at] !== ")") fail("missing )");
      at++;
      return inner;
    }
    if (token === ")" || operator(token) || !ID.test(token))
      return fail(`unexpected ${JSON.stringify(token)}`);
    at++;
    const orLater = token.endsWith("+");
    const licence: SpdxExpression = { kind: "licence", id: orLater ? token.slice(0, -1) : token, orLater };
    if (operator(tokens[at]) === "WITH") {
      at++;
      const exception = tokens[at];
      if (
        exception === undefined ||
        exception === "(" ||
        exception === ")" ||
        operator(exception) ||
        !ID.test(exception)
      )
        fail("WITH needs an exception id");
      at++;
      licence.exception = exception;
    }
    return licence;
  };
  const andExpr = (): SpdxExpression => {
    let left = primary();
    while (operator(tokens[at]) === "AND") {
      at++;
      left = { kind: "and", left, right: primary() };
    }
    return left;
  };
  const orExpr = (): SpdxExpression => {
    let left = andExpr();
    while (operator(tokens[at]) === "OR") {
      at++;
      left = { kind: "or", left, right: andExpr() };
    }
    return left;
  };

  if (tokens.length === 0) fail("empty");
  const expression = orExpr();
  if (at < tokens.length) fail(`unexpected ${JSON.stringify(tokens[at])}`);
  return expression;
}

export interface Judgement {
  allowed: boolean;
  /** Why it failed: one entry per failing licence (empty when allowed). */
  problems: string[];
}

export interface JudgeOptions {
  /** The package ships data only: DATA_ONLY_LICENCES pass too. */
  dataOnly?: boolean;
}

const canonical = (list: readonly string[]) => new Map(list.map((id) => [id.toLowerCase(), id]));
const allowedIds = canonical(ALLOWED_LICENCES);
const dataOnlyIds = canonical(DATA_ONLY_LICENCES);
const exceptionIds = canonical(KNOWN_EXCEPTIONS);

function judgeLicence(node: Extract<SpdxExpression, { kind: "licence" }>, options: JudgeOptions): Judgement {
  const { id, exception } = node;
  const no = (problem: string): Judgement => ({ allowed: false, problems: [problem] });
  if (id === "UNLICENSED") return no("UNLICENSED: the author grants no licence");
  const forbidden = forbiddenFamily(id);
  if (forbidden) return no(`${id} is ${forbidden}`);
  const key = id.toLowerCase();
  if (!allowedIds.has(key)) {
    if (dataOnlyIds.has(key) && !options.dataOnly) return no(`${id} is allowed only for data-only packages`);
    if (!dataOnlyIds.has(key)) return no(`${id} is not an allowed licence id`);
  }
  if (exception !== undefined && !exceptionIds.has(exception.toLowerCase()))
    return no(`${exception} is not a known SPDX exception`);
  return { allowed: true, problems: [] };
}

function judgeNode(node: SpdxExpression, options: JudgeOptions): Judgement {
  if (node.kind === "licence") return judgeLicence(node, options);
  const left = judgeNode(node.left, options);
  const right = judgeNode(node.right, options);
  if (node.kind === "or") {
    return left.allowed || right.allowed
      ? { allowed: true, problems: [] }
      : { allowed: false, problems: [...left.problems, ...right.problems] };
  }
  return { allowed: left.allowed && right.allowed, problems: [...left.problems, ...right.problems] };
}

/** Whether a licence expression is allowed under policy.ts; malformed expressions are not. */
export function judgeSpdx(text: string, options: JudgeOptions = {}): Judgement {
  if (text.trim() === "") return { allowed: false, problems: ["no licence"] };
  let expression: SpdxExpression;
  try {
    expression = parseSpdx(text);
  } catch (err) {
    if (err instanceof SpdxSyntaxError) return { allowed: false, problems: [err.message] };
    throw err;
  }
  return judgeNode(expression, options);
}

/** `parts` joined with AND, each OR expression in parentheses: the licence of code under all of them. */
export function allOf(parts: readonly string[]): string {
  const unique = [...new Set(parts)];
  if (unique.length === 1) return unique[0]!;
  return unique.map((p) => (/\s(OR|or)\s/.test(p) ? `(${p})` : p)).join(" AND ");
}
