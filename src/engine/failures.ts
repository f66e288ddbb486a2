// Which responses count as failures in error rate: the scenario's `load.failOn`.
export type FailureClass = "5xx" | "429" | "4xx" | "network";

export function failureClassifier(failOn: readonly FailureClass[]): (status: number) => boolean {
  const on = new Set(failOn);
  return (status) => {
    if (status === 0 || Number.isNaN(status)) return on.has("network");
    if (status >= 500) return on.has("5xx");
    if (status === 429) return on.has("429") || on.has("4xx");
    if (status >= 400) return on.has("4xx");
    return false;
  };
}
