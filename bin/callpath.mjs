#!/usr/bin/env node
// callpath's CLI: TypeScript sources run through tsx's loader, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
