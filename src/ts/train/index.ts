// Training: optimisers, schedules, clipping, losses, the fit() loop and the default digits model.
export * from './optim.js';
export * from './schedules.js';
export * from './clip.js';
export * from './losses.js';
export * from './trainer.js';
export * from './digits.js';
