// Registry sweep, second half of listModels().
import { sweep } from './sweep-run.js';
await sweep(1, 2);
