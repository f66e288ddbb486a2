// Rules of the HTTP fault proxy: what to do to which requests. Plain data, validated with zod at
// the control API, matched per request without allocation on the hot path when no rule is set.
import { z } from "zod";

export const ruleInput = z.strictObject({
  // The tag is sent back in the x-gameday-fault header, so it must be a valid header value (the
  // characters Node's own header check allows): a CR or LF would split the fault response.
  tag: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\t\x20-\x7e\x80-\xff]+$/, "must be printable (it is sent as a header value)"),
  status: z
    .union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)])
    .optional(),
  // Fractions are allowed because a scenario's retryAfter is a duration ("1500ms" is 1.5 s); the
  // header then carries the decimal value (the reference clients parse it as a number). Profiles
  // do not scale it: it is a magnitude the client obeys, not a time target.
  retryAfterSec: z.number().min(0).max(86_400).optional(),
  body: z.string().max(65_536).optional(),
  latencyMs: z.number().min(0).max(600_000).optional(),
  abort: z.boolean().default(false),
  match: z
    .strictObject({
      method: z.string().min(1).toUpperCase().optional(),
      pathPrefix: z.string().startsWith("/").optional(),
      header: z.strictObject({ name: z.string().min(1), value: z.string() }).optional(),
    })
    .default({}),
  percent: z.number().min(0).max(100).default(100),
});

export type RuleInput = z.input<typeof ruleInput>;
export type Rule = z.output<typeof ruleInput> & { id: string };

export class RuleSet {
  #rules: Rule[] = [];
  #next = 1;
  /** Returns a number in [0, 100); injectable so percentage tests are deterministic. */
  readonly random: () => number;

  constructor(random: () => number = () => Math.random() * 100) {
    this.random = random;
  }

  add(input: RuleInput): Rule {
    const rule: Rule = { ...ruleInput.parse(input), id: `r${this.#next++}` };
    this.#rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length < before;
  }

  removeByTag(prefix: string): number {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => !r.tag.startsWith(prefix));
    return before - this.#rules.length;
  }

  list(): Rule[] {
    return [...this.#rules];
  }

  get size(): number {
    return this.#rules.length;
  }

  /**
   * The first rule that matches the request and wins its percentage draw, if any. `url` is the
   * request target as sent; `header` looks a header up by lower-case name (repeats combined as Node
   * combines them in IncomingMessage.headers) and is called only for rules that match on a header,
   * so the proxy parses header values only when such a rule exists.
   */
  pick(method: string, url: string, header: (lowerName: string) => string | undefined): Rule | undefined {
    for (const r of this.#rules) {
      const m = r.match;
      if (m.method && method !== m.method) continue;
      if (m.pathPrefix && !url.startsWith(m.pathPrefix)) continue;
      if (m.header && header(m.header.name.toLowerCase()) !== m.header.value) continue;
      if (r.percent < 100 && this.random() >= r.percent) continue;
      return r;
    }
    return undefined;
  }
}
