import { setParallelCanAssign } from "@cucumber/cucumber";

// In parallel runs (`--parallel N`) a scenario tagged @alone has the machine to itself: it starts only when
// no other scenario runs, and none starts beside it. Those are the scenarios whose figures are CPU time
// on a shared 2-core host (the userspace impairment engine's delays, transcoded audio, libwebrtc's timers),
// and the one that holds the kernel-wide SIP helper parameters, which other labs must not meet changed.
// Waiting @alone scenarios run once the others have drained. In a serial run this changes nothing.
const alone = (p: { tags: ReadonlyArray<{ name: string }> }): boolean => p.tags.some((t) => t.name === "@alone");

setParallelCanAssign((pickle, running) => (alone(pickle) ? running.length === 0 : !running.some(alone)));
