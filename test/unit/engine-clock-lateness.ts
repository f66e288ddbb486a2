// Measures step-start lateness of the real ScenarioClock in a process of its own: 300 steps
// scheduled concurrently, as the engine does, with some CPU work on the same event loop. Prints the
// lateness of each step (ms) as JSON. Run by engine-clock.test.ts.
import { ScenarioClock } from "../../src/engine/clock.ts";

const clock = new ScenarioClock();
const offsets = Array.from({ length: 300 }, (_, i) => 20 + i * 8);
const busy = setInterval(() => {
  const until = Date.now() + 3;
  while (Date.now() < until) {}
}, 10);
const lateness = await Promise.all(offsets.map((at) => clock.until(at)));
clearInterval(busy);
process.stdout.write(JSON.stringify(lateness));
