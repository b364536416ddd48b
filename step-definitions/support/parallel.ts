import { availableParallelism } from "node:os";
import { setParallelCanAssign } from "@cucumber/cucumber";
import { canAssign } from "../../src/common/scenario-slots.js";

// In parallel runs (`--parallel N`) a scenario tagged @alone has the machine to itself: those are the
// scenarios whose figures are CPU time on a shared host (the userspace impairment engine's delays,
// transcoded audio, libwebrtc's timers), and the one that holds the kernel-wide SIP helper parameters,
// which other labs must not meet changed. A scenario tagged @waits spends most of its time waiting on a
// protocol timer (Timer B, a NAT's idle timeout, a registration's expiry): it runs beside the others, as
// they run beside it, so its waiting overlaps their work. A lab start is CPU-bound (about two cores for
// eight seconds), so at most one working scenario per two cores runs at once. In a serial run this
// changes nothing.
// CALLPATH_SCENARIO_SLOTS overrides the count where the CPUs a process sees are not the ones it may use
// (a container's CPU quota).
const slots = Number(process.env.CALLPATH_SCENARIO_SLOTS) || Math.max(1, Math.floor(availableParallelism() / 2));
const tagsOf = (p: { tags: ReadonlyArray<{ name: string }> }): string[] => p.tags.map((t) => t.name);

setParallelCanAssign((pickle, running) => canAssign(tagsOf(pickle), running.map(tagsOf), slots));
