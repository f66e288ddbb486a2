// Reports: what a run folder turns into for people (Markdown, HTML), CI (JUnit) and signing (result.json).
export { renderReports, REPORT_TEMPLATES, type RenderOptions } from "./render.ts";
export { listFiles } from "../sign/files.ts";
export { writeResult, readResult, canonicalJson, RESULT_FILE } from "./result-file.ts";
export { BUNDLED_TEMPLATES_DIR } from "./templates.ts";
