// Runs the `convnets` CLI from source with the given arguments (for tests that need a child process).
import { main } from '../../src/ts/cli/index.js';

await main(['node', 'convnets', ...process.argv.slice(2)]);
