// CI's check of a failed scenario's evidence (npm run test:capture): a scenario that fails for a real reason
// (an ALG that leaves the SDP private, so bob's audio never reaches alice) is run on its own, and its report
// must carry a pcapng that tshark opens with every interface named node:network, and a ladder that shows
// the ALG's rewrite at nat1. The HTML report is opened in headless Chromium: the ladder must render, with
// as many arrows as the ladder has, and so must the call's timeline, with its RTP series for both
// directions (bob's never arriving); screenshots are kept. Any miss fails the run; nothing is skipped.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { closeSharedAnalyzer, sharedAnalyzer } from "../src/capture/analyzer.js";
import { stderrLogger } from "../src/common/log.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT } from "../src/lab/images.js";
import { ensureChromium } from "./chromium.js";

const OUT = join(PROJECT_ROOT, "reports", "capture-ci");
const EXPECTED_INTERFACES = ["alice:lan1", "nat1:lan1", "nat1:internet", "kamailio:internet", "mirror:internet", "bob:internet"];
const problems: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`${ok ? "ok" : "FAILED"}: ${what}\n`);
  if (!ok) problems.push(what);
};

interface Envelope {
  testCaseFinished?: { testCaseStartedId: string };
  testStepFinished?: { testCaseStartedId: string; testStepId: string; testStepResult: { status: string } };
  attachment?: { testCaseStartedId?: string; mediaType: string; fileName?: string; body: string; contentEncoding: string };
  testCase?: { id: string; testSteps: Array<{ id: string; pickleStepId?: string }> };
}

const log = stderrLogger();
const d = await ensureDockerEngine(log);
const images = await ensureImages(d, log);
const chromium = ensureChromium(log);

// 1. The scenario, through cucumber-js as a user runs it: it must fail, at the audio step.
const code = await new Promise<number | null>((resolve) => {
  const p = spawn("npx", ["cucumber-js", "--profile", "captureCi"], { cwd: PROJECT_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  p.on("exit", resolve);
});
check(code === 1, `the scenario ran and failed (cucumber-js exit ${code}, 1 expected)`);
const messages = (await readFile(join(OUT, "messages.ndjson"), "utf8"))
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Envelope);
const failedSteps = messages.filter((m) => m.testStepFinished?.testStepResult.status === "FAILED");
check(failedSteps.length === 1, `exactly one step failed (${failedSteps.length})`);
const attachments = messages.flatMap((m) => (m.attachment ? [m.attachment] : []));
const pcap = attachments.find((a) => a.mediaType === "application/vnd.tcpdump.pcap");
const svgAttachment = attachments.find((a) => a.mediaType === "image/svg+xml" && a.fileName?.endsWith("-ladder.svg"));
const timelineAttachment = attachments.find((a) => a.mediaType === "image/svg+xml" && a.fileName?.endsWith("-timeline.svg"));
const summary = attachments.find((a) => a.fileName === "capture.txt")?.body ?? "";
check(pcap !== undefined, "the failed scenario's report carries a pcapng");
check(svgAttachment !== undefined, "the failed scenario's report carries the SVG ladder");
if (!pcap || !svgAttachment) finish();

// 2. The pcapng opens in tshark, and its interfaces are named node:network.
const analyzer = await sharedAnalyzer(d, images.analyzer);
try {
  await analyzer.putFile("/check/scenario.pcapng", Buffer.from(pcap!.body, "base64"));
  const names = (await analyzer.run('tshark -r "$1" -T fields -e frame.interface_name 2>/dev/null | sort -u', ["/check/scenario.pcapng"])).stdout
    .split("\n")
    .filter(Boolean);
  check(
    EXPECTED_INTERFACES.every((i) => names.includes(i)) && names.length === EXPECTED_INTERFACES.length,
    `tshark reads packets on every interface, named node:network (${names.join(", ")})`,
  );
  const sip = (await analyzer.run('tshark -r "$1" -Y sip 2>/dev/null | wc -l', ["/check/scenario.pcapng"])).stdout.trim();
  check(Number(sip) >= 20, `tshark dissects the SIP in it (${sip} SIP frames)`);
} finally {
  await closeSharedAnalyzer();
}

// 3. The ladder: as many arrows as the summary says; the ALG's rewrite of Via and Contact at nat1, SDP untouched.
const svg = Buffer.from(svgAttachment!.body, "base64").toString("utf8");
const expectedArrows = Number(/ladder: (\d+) arrows/.exec(summary)?.[1] ?? -1);
const arrowCount = svg.match(/<g class="arrow"/g)?.length ?? 0;
check(expectedArrows > 0 && arrowCount === expectedArrows, `the SVG has the ladder's ${expectedArrows} arrows (${arrowCount})`);
const invite = /<g class="arrow" data-protocol="sip" data-crossed="nat1" data-changed="([^"]*)"><line[^>]*\/><text[^>]*>INVITE /.exec(svg);
check(invite?.[1] === "Via,Contact", `the INVITE leaving nat1 shows Via and Contact rewritten and the SDP not (${invite?.[1] ?? "no such arrow"})`);

// 4. The HTML report in headless Chromium: open the hidden After hooks, find the ladder, check it rendered.
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(`file://${join(OUT, "cucumber.html")}`, { waitUntil: "networkidle0" });
  for (const b of await page.$$("button")) if (/\d+ hooks?$/.test((await b.evaluate((e) => e.textContent)) ?? "")) await b.click();
  const name = svgAttachment!.fileName!;
  const opened = await page.evaluate((fileName) => {
    const d = [...document.querySelectorAll("details")].find((x) => x.querySelector("summary")?.textContent === fileName);
    if (!d) return false;
    d.open = true;
    d.scrollIntoView();
    return true;
  }, name);
  check(opened, `the report lists the ladder (${name})`);
  await page
    .waitForFunction(() => [...document.images].some((i) => i.src.startsWith("data:image/svg+xml") && i.complete && i.naturalWidth > 0), { timeout: 10_000 })
    .catch(() => undefined);
  const img = await page.evaluate(() => {
    const i = [...document.images].find((x) => x.src.startsWith("data:image/svg+xml"));
    return i ? { w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width, src: i.src } : null;
  });
  check(
    img !== null && img.w > 0 && img.shown > 0,
    `the ladder renders in the report (${img ? `${img.w}×${img.h}, shown ${Math.round(img.shown)} px wide` : "no image"})`,
  );
  await page.screenshot({ path: join(OUT, "report.png") });
  // The image as the report holds it, inline in a page: its arrows are elements the browser laid out.
  if (img) {
    const inline = Buffer.from(img.src.slice(img.src.indexOf(",") + 1), "base64").toString("utf8");
    await page.setContent(`<!doctype html><body style="margin:0">${inline}</body>`);
    const drawn = await page.evaluate(() => [...document.querySelectorAll("g.arrow")].filter((g) => (g as SVGGraphicsElement).getBBox().width > 0).length);
    check(drawn === expectedArrows, `Chromium lays out the report's ladder with ${drawn} arrows (${expectedArrows} expected)`);
    await page.screenshot({ path: join(OUT, "ladder.png"), fullPage: true });
  }

  // 5. The call's timeline: the RTP of both directions, bob's never reaching alice, laid out by Chromium.
  check(timelineAttachment !== undefined, "the report carries the call's timeline");
  if (timelineAttachment) {
    const timeline = Buffer.from(timelineAttachment.body, "base64").toString("utf8");
    check(
      /RTP bob → alice: [^<]*<\/text>\s*<text[^>]*>sent 0, received 0[^<]*no RTP arrived/.test(timeline) &&
        /RTP alice → bob: [^<]*<\/text>\s*<text[^>]*>sent \d+, received [1-9]\d+/.test(timeline),
      "the timeline shows alice's RTP reaching bob and none of bob's reaching alice",
    );
    await page.setContent(`<!doctype html><body style="margin:0">${timeline}</body>`);
    const series = await page.evaluate(() =>
      ["rtp-rate", "rtp-loss", "rtp-jitter", "audio-stop"].map(
        (c) => [...document.querySelectorAll(`g.${c}`)].filter((g) => (g as SVGGraphicsElement).getBBox().width > 0).length,
      ),
    );
    check(
      series.every((n) => n === 2),
      `Chromium lays out the timeline's rate, loss, jitter and audio-stop series for both directions (${series.join(", ")})`,
    );
    await page.screenshot({ path: join(OUT, "timeline.png"), fullPage: true });
  }
} finally {
  await browser.close();
}
finish();

function finish(): never {
  writeFileSync(join(OUT, "check.txt"), problems.length ? problems.join("\n") : "all checks passed\n");
  if (problems.length > 0) {
    process.stderr.write(`test:capture: ${problems.length} check(s) failed:\n  ${problems.join("\n  ")}\n`);
    process.exit(1);
  }
  process.stdout.write(`test:capture: every check passed (screenshots in ${join("reports", "capture-ci")})\n`);
  process.exit(0);
}
