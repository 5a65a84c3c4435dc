// `convnets` commands of this file register here (owned by the issue that implements them).
import type { Command } from 'commander';

export function register(_program: Command): void {}
