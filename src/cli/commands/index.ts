import type { Command } from "../command.ts";
import { ackCommand } from "./ack.ts";
import { cleanupCommand } from "./cleanup.ts";
import { doctorCommand } from "./doctor.ts";
import { envCommand } from "./env.ts";
import { compareCommand, historyCommand } from "./history.ts";
import { initCommand } from "./init.ts";
import { prrCommand } from "./prr.ts";
import { proxyCommand } from "./proxy.ts";
import { keygenCommand, reportCommand, signCommand, verifyCommand } from "./reports.ts";
import { rolloutCommand } from "./rollout.ts";
import { runCommand } from "./run.ts";
import { listCommand, validateCommand } from "./scenarios.ts";
import { serveCommand } from "./serve.ts";
import { setupCommand } from "./setup.ts";

// Getting started first: `gameday --help` lists commands in this order.
export const commands: Command[] = [
  initCommand,
  setupCommand,
  doctorCommand,
  listCommand,
  validateCommand,
  runCommand,
  envCommand,
  ackCommand,
  cleanupCommand,
  reportCommand,
  keygenCommand,
  signCommand,
  verifyCommand,
  prrCommand,
  proxyCommand,
  historyCommand,
  compareCommand,
  serveCommand,
  rolloutCommand,
];
