// The child process: its first run crashes (exit code 2) after 200 ms; the next one works
// until it is asked to stop with SIGTERM. A marker file (argv[2]) tells the runs apart.
import { existsSync, writeFileSync } from 'node:fs';

// Exit if the parent dies hard (in a real child: `exitOnParentDeath()` from the package).
process.on('disconnect', () => process.exit(0));
const marker = process.argv[2];
if (marker && !existsSync(marker)) {
  writeFileSync(marker, String(process.pid));
  console.error('cannot reach the database (simulated), exiting with code 2');
  setTimeout(() => process.exit(2), 200);
} else {
  // The SIGTERM handler goes in before the child says it works: the parent stops it only
  // after that line, so the stop never finds the default action (a silent death) in place.
  process.on('SIGTERM', () => {
    // Exit once the goodbye line is written out, never before.
    process.stdout.write('SIGTERM: finishing up\n', () => process.exit(0));
  });
  console.log(`working in pid ${process.pid}`);
  setInterval(() => {}, 1_000);
}
