// The licence guard's parts: SPDX expressions, licence-text classification, the lockfile reader,
// the Go module check and the denied-module scan, on synthetic inputs. The real dependency tree is
// checked in test/integration/licences.test.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkModule, escapeModulePath, type GoContext, parseBuildInfo } from "../../src/licences/go.ts";
import { LockfileError, npmFindings } from "../../src/licences/npm.ts";
import { deniedGoModule } from "../../src/licences/policy.ts";
import { deniedReferences } from "../../src/licences/references.ts";
import { allOf, judgeSpdx, parseSpdx } from "../../src/licences/spdx.ts";
import { classifyLicenceText } from "../../src/licences/text.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const MIT_TEXT = `MIT License

Copyright (c) 2020 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software.`;

const ISC_TEXT = `ISC License

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.`;

const AGPL_HEADER = `// Copyright (C) 2024 Example Corp.
//
// This program is free software: you can redistribute it and/or modify
// it under the terms of the GNU Affero General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// You should have received a copy of the GNU Affero General Public License
// along with this program.  If not, see <https://www.gnu.org/licenses/>.`;

describe("SPDX expressions", () => {
  const allowed = (e: string) => judgeSpdx(e).allowed;

  it("passes allowed ids, case-insensitively", () => {
    for (const id of [
      "MIT",
      "Apache-2.0",
      "BSD-2-Clause",
      "BSD-3-Clause",
      "ISC",
      "MPL-2.0",
      "0BSD",
      "BlueOak-1.0.0",
    ])
      expect(allowed(id), id).toBe(true);
    expect(allowed("mit")).toBe(true);
    expect(allowed("apache-2.0")).toBe(true);
  });

  it("OR passes when any side is allowed", () => {
    expect(allowed("MIT OR Apache-2.0")).toBe(true);
    expect(allowed("GPL-3.0-only OR MIT")).toBe(true);
    expect(allowed("AGPL-3.0-only OR Foo-1.0")).toBe(false);
  });

  it("AND passes only when every side is allowed", () => {
    expect(allowed("(MIT AND BSD-3-Clause)")).toBe(true);
    expect(allowed("(MIT AND Zlib)")).toBe(true);
    expect(allowed("MIT AND GPL-3.0-only")).toBe(false);
    expect(judgeSpdx("MIT AND AGPL-3.0-only AND Foo-1.0").problems).toEqual([
      "AGPL-3.0-only is network copyleft",
      "Foo-1.0 is not an allowed licence id",
    ]);
  });

  it("WITH needs an allowed licence and a known exception", () => {
    expect(allowed("Apache-2.0 WITH LLVM-exception")).toBe(true);
    expect(allowed("GPL-2.0-only WITH Classpath-exception-2.0")).toBe(false);
    expect(judgeSpdx("MIT WITH Made-up-exception").problems).toEqual([
      "Made-up-exception is not a known SPDX exception",
    ]);
  });

  it("binds WITH tighter than AND, and AND tighter than OR; parentheses override", () => {
    expect(parseSpdx("MIT OR ISC AND GPL-3.0-only")).toEqual({
      kind: "or",
      left: { kind: "licence", id: "MIT", orLater: false },
      right: {
        kind: "and",
        left: { kind: "licence", id: "ISC", orLater: false },
        right: { kind: "licence", id: "GPL-3.0-only", orLater: false },
      },
    });
    expect(allowed("MIT OR ISC AND GPL-3.0-only")).toBe(true);
    expect(allowed("(MIT OR ISC) AND GPL-3.0-only")).toBe(false);
    expect(allowed("((MIT OR Foo-1.0) AND (Apache-2.0 WITH LLVM-exception))")).toBe(true);
    expect(parseSpdx("GPL-2.0+ WITH Classpath-exception-2.0 AND MIT")).toEqual({
      kind: "and",
      left: { kind: "licence", id: "GPL-2.0", orLater: true, exception: "Classpath-exception-2.0" },
      right: { kind: "licence", id: "MIT", orLater: false },
    });
  });

  it("rejects copyleft and source-available families, whatever the version", () => {
    for (const id of [
      "AGPL-3.0",
      "AGPL-3.0-or-later",
      "GPL-2.0+",
      "GPL-3.0-only",
      "LGPL-2.1-or-later",
      "LGPL-3.0",
      "SSPL-1.0",
      "BUSL-1.1",
    ])
      expect(allowed(id), id).toBe(false);
  });

  it("rejects UNLICENSED, unknown ids, LicenseRefs, data licences outside data-only packages", () => {
    expect(judgeSpdx("UNLICENSED").problems).toEqual(["UNLICENSED: the author grants no licence"]);
    expect(allowed("Foo-1.0")).toBe(false);
    expect(allowed("LicenseRef-Proprietary")).toBe(false);
    expect(allowed("BSD-4-Clause")).toBe(false);
    expect(allowed("CC-BY-4.0")).toBe(false);
    expect(judgeSpdx("CC-BY-4.0", { dataOnly: true }).allowed).toBe(true);
  });

  it("rejects empty and malformed expressions", () => {
    for (const e of [
      "",
      "  ",
      "MIT OR",
      "(MIT",
      "MIT)",
      "MIT AND AND ISC",
      "Apache 2.0",
      "SEE LICENSE IN LICENSE",
      "MIT And ISC",
      "MIT WITH",
    ])
      expect(allowed(e), JSON.stringify(e)).toBe(false);
  });

  it("allOf joins licences with AND, parenthesising alternatives", () => {
    expect(allOf(["MIT", "MIT"])).toBe("MIT");
    expect(allOf(["MIT OR Apache-2.0", "BSD-3-Clause"])).toBe("(MIT OR Apache-2.0) AND BSD-3-Clause");
    expect(allowed(allOf(["MIT OR GPL-3.0-only", "ISC"]))).toBe(true);
  });
});

describe("licence texts", () => {
  it("names permissive licences by their phrases", () => {
    expect(classifyLicenceText(MIT_TEXT)).toEqual(["MIT"]);
    expect(classifyLicenceText(ISC_TEXT)).toEqual(["ISC"]);
    expect(
      classifyLicenceText(
        "Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted.\n\nTHE SOFTWARE IS PROVIDED",
      ),
    ).toEqual(["0BSD"]);
    expect(
      classifyLicenceText(`> Redistribution and use in source and binary forms, with or without
> modification, are permitted provided that the following conditions are met:
> 1. Redistributions of source code must retain the above copyright notice.`),
    ).toEqual(["BSD-2-Clause"]);
    expect(
      classifyLicenceText(
        "Redistribution and use in source and binary forms, with or without modification, are permitted provided that: " +
          "Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote products",
      ),
    ).toEqual(["BSD-3-Clause"]);
  });

  it("finds an AGPL header as forbidden", () => {
    const found = classifyLicenceText(AGPL_HEADER);
    expect(found).toEqual(["AGPL-3.0"]);
    expect(judgeSpdx(allOf(found)).allowed).toBe(false);
  });

  it("names the GPL family and the source-available licences by title", () => {
    expect(classifyLicenceText("GNU GENERAL PUBLIC LICENSE\n   Version 2, June 1991")).toEqual(["GPL-2.0"]);
    expect(classifyLicenceText("GNU GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007")).toEqual(["GPL-3.0"]);
    expect(classifyLicenceText("GNU LESSER GENERAL PUBLIC LICENSE\n Version 2.1, February 1999")).toEqual([
      "LGPL-2.1",
    ]);
    expect(classifyLicenceText("GNU AFFERO GENERAL PUBLIC LICENSE\n Version 3, 19 November 2007")).toEqual([
      "AGPL-3.0",
    ]);
    expect(classifyLicenceText("Server Side Public License\nVERSION 1, OCTOBER 16, 2018")).toEqual([
      "SSPL-1.0",
    ]);
    expect(
      classifyLicenceText(
        "License text copyright (c) 2020 MariaDB Corporation Ab.\nBusiness Source License 1.1",
      ),
    ).toEqual(["BUSL-1.1"]);
    for (const id of ["GPL-2.0", "LGPL-2.1", "SSPL-1.0", "BUSL-1.1"])
      expect(judgeSpdx(id).allowed, id).toBe(false);
  });

  it("does not take the MPL-2.0's mention of the GNU licences for the licences themselves", () => {
    const mpl = `Mozilla Public License Version 2.0
1.12. "Secondary License"
    means either the GNU General Public License, Version 2.0, the GNU Lesser
    General Public License, Version 2.1, the GNU Affero General Public
    License, Version 3.0, or any later versions of those licenses.`;
    expect(classifyLicenceText(mpl)).toEqual(["MPL-2.0"]);
  });

  it("takes SPDX-License-Identifier lines as written, and nothing from unknown text", () => {
    expect(classifyLicenceText("/* SPDX-License-Identifier: AGPL-3.0-only */")).toEqual(["AGPL-3.0-only"]);
    expect(classifyLicenceText("# SPDX-License-Identifier: MIT OR Apache-2.0")).toEqual([
      "MIT OR Apache-2.0",
    ]);
    expect(classifyLicenceText("Copyright 2020 Someone. All rights reserved.")).toEqual([]);
  });

  it("yields every licence of a file that covers bundled code", () => {
    expect(classifyLicenceText(`${MIT_TEXT}\n\n------\nFiles: vendor/x\n\n${AGPL_HEADER}`)).toEqual([
      "AGPL-3.0",
      "MIT",
    ]);
  });
});

describe("npm packages from package-lock.json", () => {
  function project(
    packages: Record<string, object>,
    files: Record<string, string> = {},
    lockfileVersion = 3,
  ): string {
    const root = temp.make("gameday-licences-npm-");
    write(root, {
      "package-lock.json": JSON.stringify({
        name: "p",
        lockfileVersion,
        packages: { "": { name: "p" }, ...packages },
      }),
      ...files,
    });
    return root;
  }

  it("reads the lockfile's licence, then package.json's, then the licence file", () => {
    const root = project(
      {
        "node_modules/a": { version: "1.0.0", license: "MIT" },
        "node_modules/b": { version: "1.0.0" },
        "node_modules/c": { version: "1.0.0" },
        "node_modules/d": { version: "1.0.0", license: "SEE LICENSE IN LICENCE.txt" },
        "node_modules/e": { version: "1.0.0", optional: true },
        "node_modules/f/node_modules/g": { version: "2.0.0", license: "UNLICENSED" },
        "node_modules/h": { version: "1.0.0", license: "GPL-3.0-or-later OR MIT" },
        "node_modules/i-cjs": { name: "i", version: "1.0.0", license: "ISC" },
        "node_modules/linked": { resolved: "packages/linked", link: true },
      },
      {
        "node_modules/b/package.json": JSON.stringify({
          licenses: [{ type: "MIT" }, { type: "Apache-2.0" }],
        }),
        "node_modules/c/package.json": JSON.stringify({ name: "c" }),
        "node_modules/c/LICENSE": ISC_TEXT,
        "node_modules/d/package.json": JSON.stringify({ license: "SEE LICENSE IN LICENCE.txt" }),
        "node_modules/d/LICENCE.txt": AGPL_HEADER,
      },
    );
    const byName = new Map(npmFindings(root).map((f) => [f.name, f]));
    expect([...byName.keys()]).toEqual(["a", "b", "c", "d", "e", "g", "h", "i"]);
    expect(byName.get("a")).toMatchObject({ licence: "MIT", verdict: "pass", reason: "package-lock.json" });
    expect(byName.get("b")).toMatchObject({ licence: "MIT OR Apache-2.0", verdict: "pass" });
    expect(byName.get("c")).toMatchObject({
      licence: "ISC",
      verdict: "pass",
      reason: "licence file LICENSE",
    });
    expect(byName.get("d")).toMatchObject({ licence: "AGPL-3.0", verdict: "fail" });
    expect(byName.get("e")).toMatchObject({ licence: "unknown", verdict: "fail" });
    expect(byName.get("e")?.reason).toMatch(/not installed/);
    expect(byName.get("g")).toMatchObject({
      version: "2.0.0",
      verdict: "fail",
      where: "node_modules/f/node_modules/g",
    });
    expect(byName.get("h")).toMatchObject({ verdict: "pass" });
    expect(byName.get("i")).toMatchObject({ verdict: "pass", where: "node_modules/i-cjs" });
  });

  it("passes a data licence only for a package listed as data-only", () => {
    const root = project({ "node_modules/tables": { version: "1.0.0", license: "CC-BY-4.0" } });
    expect(npmFindings(root)[0]?.verdict).toBe("fail");
    expect(npmFindings(root, ["tables"])[0]?.verdict).toBe("pass");
  });

  it("refuses a lockfile other than version 3", () => {
    expect(() => npmFindings(project({}, {}, 2))).toThrow(LockfileError);
  });
});

describe("Go modules", () => {
  it("parses go version -m output, replacements included", () => {
    const info = parseBuildInfo(
      [
        "/x/tool: go1.26.8",
        "\tpath\texample.com/tool/cmd",
        "\tmod\texample.com/tool\tv1.2.3\th1:abc=",
        "\tdep\tgithub.com/A/b\tv1.0.0\th1:def=",
        "\tdep\texample.com/old\tv0.1.0",
        "\t=>\texample.com/new\tv0.2.0\th1:ghi=",
        "\tbuild\t-trimpath=true",
        "",
      ].join("\n"),
    );
    expect(info).toEqual({
      goVersion: "go1.26.8",
      main: { path: "example.com/tool", version: "v1.2.3" },
      deps: [
        { path: "github.com/A/b", version: "v1.0.0" },
        {
          path: "example.com/old",
          version: "v0.1.0",
          replacement: { path: "example.com/new", version: "v0.2.0" },
        },
      ],
    });
  });

  it("escapes capital letters as the module cache does", () => {
    expect(escapeModulePath("github.com/Shopify/toxiproxy/v2")).toBe("github.com/!shopify/toxiproxy/v2");
    expect(escapeModulePath("github.com/BurntSushi/TOML")).toBe("github.com/!burnt!sushi/!t!o!m!l");
  });

  it("denies go.k6.io and everything under it", () => {
    expect(deniedGoModule("go.k6.io/k6")).toMatch(/AGPL/);
    expect(deniedGoModule("go.k6.io")).toBeDefined();
    expect(deniedGoModule("github.com/grafana/xk6")).toBeUndefined();
    expect(deniedGoModule("go.k6.iox/k6")).toBeUndefined();
  });

  it("judges a module by the licence files of its source, top level and subfolders", () => {
    const cache = temp.make("gameday-licences-gomod-");
    write(cache, {
      "go.k6.io/k6@v1.0.0/LICENSE.md": AGPL_HEADER,
      "example.com/!caps/mit@v1.0.0/LICENSE": MIT_TEXT,
      "example.com/!caps/mit@v1.0.0/testdata/COPYING": AGPL_HEADER,
      "example.com/bundles@v1.0.0/LICENSE.txt": MIT_TEXT,
      "example.com/bundles@v1.0.0/internal/gpl/COPYING": "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991",
      "example.com/agpl@v1.0.0/LICENSE": AGPL_HEADER,
      "example.com/none@v1.0.0/go.mod": "module example.com/none\n",
      "example.com/nested-only@v1.0.0/sub/LICENSE": MIT_TEXT,
      "example.com/odd@v1.0.0/LICENSE": "Do what you like, but ask first.",
    });
    const ctx: GoContext = {
      env: { modCache: cache, goRoot: cache },
      ownModule: "gameday/load-engine",
      ownLicence: "Apache-2.0",
    };
    const check = (path: string, version = "v1.0.0") => checkModule({ path, version }, ["tool"], ctx);

    expect(check("go.k6.io/k6")).toMatchObject({ licence: "denied", verdict: "fail" });
    expect(check("example.com/Caps/mit")).toMatchObject({
      licence: "MIT",
      verdict: "pass",
      reason: "LICENSE",
    });
    expect(check("example.com/bundles")).toMatchObject({ licence: "MIT AND GPL-2.0", verdict: "fail" });
    expect(check("example.com/agpl")).toMatchObject({ licence: "AGPL-3.0", verdict: "fail" });
    expect(check("example.com/none").reason).toMatch(/no licence file/);
    expect(check("example.com/nested-only").verdict).toBe("fail");
    expect(check("example.com/odd")).toMatchObject({ licence: "unknown", verdict: "fail" });
    expect(check("gameday/load-engine", "(devel)")).toMatchObject({ licence: "Apache-2.0", verdict: "pass" });
    expect(check("example.com/elsewhere", "(devel)").verdict).toBe("fail");
    expect(
      checkModule(
        {
          path: "example.com/fine",
          version: "v1.0.0",
          replacement: { path: "go.k6.io/k6", version: "v1.0.0" },
        },
        ["tool"],
        ctx,
      ),
    ).toMatchObject({ name: "example.com/fine => go.k6.io/k6", verdict: "fail" });
  });

  it("finds a denied module named in the build files", () => {
    const root = temp.make("gameday-licences-refs-");
    write(root, {
      Makefile: "setup:\n\tgo install go.k6.io/k6@v1.0.0\n",
      "package.json": "{}",
      "scripts/setup.sh": "echo fine\n",
      ".ci/nested/run": "#!/bin/sh\n# builds go.k6.io/k6\n",
      "src/elsewhere.ts": "// go.k6.io is only denied in build files\n",
    });
    expect(deniedReferences(root)).toEqual([
      { file: "Makefile", line: 2, text: "go install go.k6.io/k6@v1.0.0" },
      { file: ".ci/nested/run", line: 2, text: "# builds go.k6.io/k6" },
    ]);
  });
});
