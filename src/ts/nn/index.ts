// nn: torchvision-named modules over core ops. Every computation goes through ops (and so the tracer).
export * from './module.js';
export { Plan, PlannedModule } from './plan.js';
export * from './init.js';
export * from './conv.js';
export * from './batchnorm.js';
export * from './activation.js';
export * from './pool.js';
export * from './linear.js';
export * from './dropout.js';
export * from './containers.js';
export * from './squeeze_excite.js';
export * from './summary.js';
export * from './fuse.js';
export { MemoryPlanner, assignOffsets } from './memory.js';
export type { PlanEntry, StepSchedule } from './memory.js';
export * from './recompute.js';
export * from './stepplan.js';
export * from './dense.js';
