import { docker } from "../src/lab/docker-engine.js";
import { ensureImages } from "../src/lab/images.js";
const t = Date.now();
console.log(await ensureImages(docker(), (m) => console.error(m)));
console.error("total", (Date.now()-t)/1000);
