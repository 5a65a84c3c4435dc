// Registry sweep, first half of listModels() (the halves run as separate tap jobs).
import { sweep } from './sweep-run.js';
await sweep(0, 2);
