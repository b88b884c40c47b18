import { expect, test } from "bun:test";
import { parseJournalMatch, shlexSplit } from "../../src/source/journal-match.ts";

test("journalmatch: '+' and separate lines are OR-ed groups", () => {
  expect(parseJournalMatch("_SYSTEMD_UNIT=sshd.service + _COMM=sshd")).toEqual([["_SYSTEMD_UNIT=sshd.service"], ["_COMM=sshd"]]);
  expect(parseJournalMatch("_SYSTEMD_UNIT=a.service _COMM=x\n  _COMM=y")).toEqual([["_SYSTEMD_UNIT=a.service", "_COMM=x"], ["_COMM=y"]]);
  expect(parseJournalMatch("")).toEqual([]);
  expect(() => parseJournalMatch("_COMM=ok\nnot-a-match")).toThrow('journalmatch line 2: "not-a-match" is not a FIELD=value match');
  expect(() => parseJournalMatch("MESSAGE='open")).toThrow("journalmatch line 1: no closing quotation");
});

test("shlexSplit agrees with Python's shlex.split", () => {
  const cases = [
    `a b  c`,
    `MESSAGE='with spaces' _COMM="x y"`,
    `a\\ b "q\\"uote" 'single\\' x`,
    `"dollar\\$ and \\n kept" + F=1`,
    `  lead and trail  `,
    `F=""`,
  ];
  const py = Bun.spawnSync(
    ["/usr/bin/python3", "-c", "import json,shlex,sys; print(json.dumps([shlex.split(c) for c in json.loads(sys.argv[1])]))", JSON.stringify(cases)],
    { stderr: "pipe" },
  );
  if (py.exitCode !== 0) {
    console.warn(`python3 oracle unavailable, shlex differential skipped: ${py.stderr.toString()}`);
    return;
  }
  expect(cases.map(shlexSplit)).toEqual(JSON.parse(py.stdout.toString()));
});
