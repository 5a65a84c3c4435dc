// Prints `convnets doctor`'s report as JSON and its text (run in a child process by test/core/registry.test.ts).
import { doctorReport, formatDoctor } from '../../src/ts/cli/doctor.js';
import { initBackend } from '../../src/ts/core/registry.js';

const r = await doctorReport();
const picked = (await initBackend()).name;
console.log(JSON.stringify({ report: r, text: formatDoctor(r), picked }));
