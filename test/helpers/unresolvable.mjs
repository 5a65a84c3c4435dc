// `CONVNETS_TEST_UNRESOLVABLE=<regex> node --import ./unresolvable.mjs ...`: every import specifier the
// regex matches fails to resolve as a missing package does (ERR_MODULE_NOT_FOUND), so a test can check
// that a module absent from a build or an uninstalled optional package reads as a reason, not a crash.
import { register } from 'node:module';

const hook = `let re = null;
export async function initialize(data) { re = new RegExp(data); }
export async function resolve(specifier, context, next) {
  if (re && re.test(specifier)) {
    const e = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL + ' (simulated)');
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: process.env.CONVNETS_TEST_UNRESOLVABLE ?? '(?!)' });
