// Cuts a load process's stdout into lines as chunks arrive at any byte boundary (a torn tail waits
// for the next chunk; a UTF-8 sequence split between chunks is joined). A line longer than
// `maxLine` is not the process's output: it is reported once, however many chunks it spans, and
// neither it nor its tail is handed on as a line.
import { StringDecoder } from "node:string_decoder";

export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #maxLine: number;
  readonly #onLine: (s: string, start: number, end: number) => void;
  readonly #onOverlong: () => void;
  #carry = "";
  /** Inside an over-long line (already reported): everything up to the next newline goes. */
  #discarding = false;

  /** `onLine(s, start, end)`: the line is s[start, end), without its newline; it may be empty. */
  constructor(
    maxLine: number,
    onLine: (s: string, start: number, end: number) => void,
    onOverlong: () => void,
  ) {
    this.#maxLine = maxLine;
    this.#onLine = onLine;
    this.#onOverlong = onOverlong;
  }

  write(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.#decoder.write(chunk as Buffer);
    const s = this.#carry.length > 0 ? this.#carry + text : text;
    let pos = 0;
    for (;;) {
      const nl = s.indexOf("\n", pos);
      if (nl < 0) break;
      if (this.#discarding) this.#discarding = false;
      else this.#line(s, pos, nl);
      pos = nl + 1;
    }
    this.#carry = pos === 0 ? s : s.slice(pos);
    if (this.#carry.length > this.#maxLine) {
      if (!this.#discarding) this.#onOverlong();
      this.#carry = "";
      this.#discarding = true;
    }
  }

  /** Hands on a final line without a newline. */
  end(): void {
    const rest = this.#carry + this.#decoder.end();
    this.#carry = "";
    if (rest.length > 0 && !this.#discarding) this.#line(rest, 0, rest.length);
    this.#discarding = false;
  }

  #line(s: string, start: number, end: number): void {
    // The same verdict whether the line came whole or torn across chunks.
    if (end - start > this.#maxLine) this.#onOverlong();
    else this.#onLine(s, start, end);
  }
}
