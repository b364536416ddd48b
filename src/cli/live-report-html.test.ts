import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallOutcome } from "../calls/outcome.js";
import { liveReportHtml } from "./live-report-html.js";

const call = (over: Partial<CallOutcome>): CallOutcome => ({
  callId: "abc",
  direction: "outgoing",
  local: "sip:alice@callpath.test",
  remote: "sip:bob@callpath.test",
  established: true,
  setupMs: 300,
  finalStatus: 200,
  reason: "OK",
  failedStage: null,
  endedBy: "local",
  startedAt: 1000,
  endedAt: 6000,
  ...over,
});

test("the report lists each call with its outcome, inlines the ladder and each timeline, and escapes what it prints", () => {
  const html = liveReportHtml({
    labId: "871d4dfd",
    topology: "sip-alg",
    generatedAt: "2026-12-01T16:27:10Z",
    calls: [
      { agent: "alice", outcome: call({}) },
      {
        agent: "alice",
        outcome: call({
          callId: "x<y",
          established: false,
          setupMs: null,
          finalStatus: 400,
          reason: "Content-Length mis-match",
          failedStage: "rejected",
          endedAt: null,
        }),
      },
    ],
    ladderSvg: '<svg xmlns="http://www.w3.org/2000/svg"><g class="arrow"></g></svg>',
    timelines: new Map([["abc", "<svg class='t'></svg>"]]),
    summary: "capture of lab 871d4dfd: <5 interfaces>",
    pcapFile: "capture.pcapng",
  });
  assert.equal(html.match(/<tr class="ok">/g)?.length, 1);
  assert.equal(html.match(/<tr class="failed">/g)?.length, 1);
  assert.match(html, /established in 300 ms/);
  assert.match(html, /failed: rejected 400 Content-Length mis-match/);
  assert.match(html, /ended by local after 5\.0 s/);
  assert.match(html, /<code>x&lt;y<\/code>/);
  assert.match(html, /<div class="ladder"><svg xmlns/);
  assert.match(html, /data-call-id="abc"><h3>Call <code>abc<\/code><\/h3><svg class='t'>/);
  assert.match(html, /&lt;5 interfaces&gt;/);
  assert.match(html, /href="capture.pcapng"/);
});

test("with no calls it says how to place one, and has no timeline section", () => {
  const html = liveReportHtml({
    labId: "l",
    topology: "t",
    generatedAt: "now",
    calls: [],
    ladderSvg: "<svg></svg>",
    timelines: new Map(),
    summary: "",
    pcapFile: "c.pcapng",
  });
  assert.match(html, /No calls yet: <code>callpath call &lt;a&gt; &lt;b&gt;<\/code>/);
  assert.ok(!html.includes("Media and ICE over time"));
});
