#!/usr/bin/env node
import { main } from "./cli";

// Not a top-level await: tsup also emits a CommonJS build of every entry, and CJS has none.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Exit once stdout and stderr are flushed (pipes are asynchronous on some platforms), even if
  // a database driver left a handle open.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
});
