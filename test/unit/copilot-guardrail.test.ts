// The reference service's PII guardrail: what it must block (emails, phones, Luhn-valid cards, US
// SSNs) and the near misses it must let through (an order number failing Luhn, ids, versions).
import { describe, expect, it } from "vitest";
import { detectPii, luhnValid } from "../../fixtures/ops-copilot/guardrail.ts";

describe("luhnValid", () => {
  it("accepts test card numbers of the major schemes", () => {
    for (const n of ["4111111111111111", "5500000000000004", "378282246310005", "6011111111111117"])
      expect(luhnValid(n), n).toBe(true);
  });

  it("rejects a 16-digit number whose check digit is wrong", () => {
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("1234567812345678")).toBe(false);
  });

  it("rejects lengths outside 13–19 even when the checksum works out", () => {
    expect(luhnValid("0")).toBe(false);
    expect(luhnValid("000000000000")).toBe(false); // 12 digits, sum 0
    expect(luhnValid("00000000000000000000")).toBe(false); // 20 digits
    expect(luhnValid("0000000000000")).toBe(true); // 13 digits, sum 0
  });
});

describe("detectPii", () => {
  it("finds email addresses", () => {
    expect(detectPii("mail jane.doe@example.com now", "high")).toEqual(["email"]);
    expect(detectPii("ops+alerts@corp.example.org stopped paging", "med")).toEqual(["email"]);
  });

  it("finds phone numbers in US and international formats", () => {
    for (const p of ["(415) 555-0134", "212-555-0187", "+1 212 555 0187", "+44 20 7946 0958"])
      expect(detectPii(`call ${p} please`, "high"), p).toEqual(["phone"]);
  });

  it("blocks Luhn-valid card numbers with or without separators, and reports them only as cards", () => {
    for (const c of ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"])
      expect(detectPii(`refund card ${c}`, "high"), c).toEqual(["card"]);
  });

  it("does not block a 16-digit number that fails the Luhn check", () => {
    expect(detectPii("Order 4111 1111 1111 1112 is stuck", "high")).toEqual([]);
    expect(detectPii("tracking 1234567812345678", "high")).toEqual([]);
  });

  it("finds US SSNs but not the numbers the SSA never issues", () => {
    expect(detectPii("Employee 123-45-6789 cannot log in", "high")).toEqual(["ssn"]);
    for (const n of ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"])
      expect(detectPii(`id ${n}`, "high"), n).not.toContain("ssn");
  });

  it("lets ordinary ops prompts through", () => {
    for (const p of [
      "Why is p95 latency of the checkout service above its SLO?",
      "Summarise incident INC-1042 for the status page",
      "Roll back the search API from 2.14.3 to 2.14.1",
      "Retry after 30 s, at most 3 times, on port 8080",
    ])
      expect(detectPii(p, "high"), p).toEqual([]);
  });

  it("reports every kind in a prompt once, in detection order", () => {
    expect(
      detectPii("SSN 219-09-9999, card 4111111111111111, a@b.io, b@c.io, (415) 555-0134", "high"),
    ).toEqual(["ssn", "card", "email", "phone"]);
  });

  it("checks only cards and SSNs at strictness low", () => {
    expect(detectPii("a@b.io (415) 555-0134 4111111111111111", "low")).toEqual(["card"]);
    expect(detectPii("a@b.io (415) 555-0134", "low")).toEqual([]);
    expect(detectPii("a@b.io (415) 555-0134", "med")).toEqual(["email", "phone"]);
  });
});
