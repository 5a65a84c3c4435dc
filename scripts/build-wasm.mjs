// Compiles assembly/ into build/*.wasm (filled in by the wasm backend).
console.log('build:wasm: no AssemblyScript kernels yet');
