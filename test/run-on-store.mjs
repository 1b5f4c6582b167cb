#!/usr/bin/env node
// Runs the SDK-driven HTTP and security suites again on a real store: `node test/run-on-store.mjs sqlite|postgres|mysql`.
// A PostgreSQL or MariaDB that cannot be reached skips with a message, or fails when
// GATEHOUSE_REQUIRE_SERVICES=1 (as .ci/run sets it).
import { spawnSync } from "node:child_process";
import net from "node:net";

const kind = process.argv[2];
if (!["sqlite", "postgres", "mysql"].includes(kind)) {
  console.error("usage: node test/run-on-store.mjs sqlite|postgres|mysql");
  process.exit(2);
}

const urls = {
  postgres: process.env.GATEHOUSE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  mysql: process.env.GATEHOUSE_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test",
};

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(false));
  });
}

if (kind !== "sqlite" && !(await reachable(urls[kind]))) {
  const message = `${kind} is unreachable at ${urls[kind]}`;
  if (process.env.GATEHOUSE_REQUIRE_SERVICES === "1") {
    console.error(`${message}; GATEHOUSE_REQUIRE_SERVICES=1 makes this a failure.`);
    process.exit(1);
  }
  console.warn(`${message}: skipping the HTTP suites on ${kind}.`);
  process.exit(0);
}

console.log(`\nHTTP suites through the SDKs on the ${kind} store`);
// The security suites too (issue 11's reproductions must fail on every store), except those that
// pick their own stores or need none: the fuzzer (memory, in process), the database faults (all
// three databases in one file) and the attacker's findings (memory limiter and store).
const suites = ["test/http", "test/adapters", "test/security"];
const ownStores = ["test/security/fuzz.test.ts", "test/security/database-faults.test.ts", "test/security/attack-findings.test.ts"];
const result = spawnSync("npx", ["vitest", "run", ...suites, ...ownStores.flatMap((file) => ["--exclude", file])], {
  stdio: "inherit",
  env: { ...process.env, GATEHOUSE_TEST_STORE: kind },
});
process.exit(result.status ?? 1);
